package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.data.Corpus;
import org.isaerft.data.DocumentSplit;
import org.isaerft.data.Window;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.run.RunCodec;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.SaesDocument;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.StageId;
import org.isaerft.sae.Sae;
import org.isaerft.sae.train.SaeTrainConfig;
import org.isaerft.sae.train.SaeTrainOutput;
import org.isaerft.sae.train.SaeTrainer;
import org.isaerft.sae.train.TrainData;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.sae.train.TrainResult;

/** Loads every SAE of the config (training the ones with a {@code train} section and no weights yet); writes {@code saes/saes.json}. */
public final class SaesStage extends ConfiguredStage<SaesStage.Output> {
    /** @param saes SAEs of the run @param trained SAEs trained by this execution */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int saes, int trained) {
        public Output {
            Stages.checkOutput(schemaVersion, saes, trained);
        }
    }

    public SaesStage(RunConfig config) {
        super(StageId.SAES, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("saes", config.saes());
        if (config.saes().stream().anyMatch(x -> x.train() != null)) {
            // training reads the corpus text, not the mining token budget
            slice.put("corpus", List.of(config.corpus().path(), String.valueOf(config.corpus().textField())));
        }
    }

    /** Whether a configured spec names no existing local SAE (so a {@code train} section applies). */
    public static boolean missing(String spec, ProjectHome home) {
        return spec == null || (!spec.contains("/") || spec.startsWith(".") || spec.startsWith("results/")) && !Files.exists(home.resolve(spec));
    }

    @Override
    public Output run(StageContext ctx) {
        List<SaeInfo> infos = new ArrayList<>();
        int trained = 0;
        for (RunConfig.SaeSection s : config.saes()) {
            String spec = s.spec();
            String stored;
            if (s.train() != null && missing(spec, ctx.home())) {
                Path sdir = ctx.layout().trainedSae(s.name());
                if (!Files.isRegularFile(sdir.resolve("cfg.json"))) {
                    train(ctx, s, sdir);
                    trained++;
                }
                spec = sdir.toString();
                stored = ctx.layout().relative(sdir);
            } else {
                if (Files.exists(ctx.home().resolve(spec))) {
                    spec = ctx.home().resolve(spec).toString();
                }
                stored = spec;
            }
            ctx.log().printf("  [saes] %s: %s%n", s.name(), stored);
            try (Sae sae = StageContext.openSae(spec, s.hook(), ctx.model().manager(), ctx.hub(), ctx.home())) {
                if (!ctx.model().hookPoints().contains(sae.hookPoint())) {
                    throw new IllegalArgumentException("saes[" + s.name() + "]: hook " + sae.hookPoint() + " is not a hook point of model "
                            + config.model());
                }
                infos.add(new SaeInfo(s.name(), s.type(), stored, sae.hookPoint().toString(), sae.id(), sae.dIn(), sae.dSae()));
            }
        }
        if (infos.isEmpty()) {
            throw new Stage.StageFailure(id(), "no SAE was loaded");
        }
        RunCodec.write(ctx.layout().saes(), new SaesDocument(SaesDocument.SCHEMA_VERSION, infos));
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, infos.size(), trained);
    }

    private void train(StageContext ctx, RunConfig.SaeSection s, Path sdir) {
        RunConfig.TrainSection t = s.train();
        LanguageModel lm = ctx.model();
        HookPoint hook = HookPoint.parse(s.hook());
        TrainKind kind = TrainKind.parse(t.kind());
        List<HookPoint> downstream = SaeTrainConfig.defaultDownstreamHooks(kind, hook, lm.hookPoints());
        SaeTrainConfig cfg = SaeTrainConfig.builder(kind, hook, t.dSae()).l1(t.l1()).tokens(t.tokens()).batch(t.batch()).seq(t.seq())
                .lr(t.lr()).warmupSteps(t.warmupSteps()).seed(config.seed()).downstreamHooks(downstream)
                .logEvery(Math.max(1, (int) (t.tokens() / ((long) t.batch() * t.seq()) / 5))).build();
        DocumentSplit split = new DocumentSplit(0.1, config.seed());
        Path corpusPath = ctx.home().resolve(config.corpus().path());
        List<Supplier<Iterator<Window>>> sources = List.of(() -> Corpus.builder(corpusPath).tokenizer(lm.tokenizer()).seqLen(t.seq())
                .batchSize(1).split(split, DocumentSplit.Part.TRAIN).textField(config.corpus().textField()).build().windows());
        TrainData data = new TrainData(sources, 4096, config.seed());
        ctx.log().printf("  [saes] training %s SAE %s at %s: d_sae %d, %d steps%n", t.kind(), s.name(), hook, t.dSae(), cfg.steps());
        try (SaeTrainer trainer = SaeTrainer.start(lm, cfg, s.name(), config.model())) {
            TrainResult r = trainer.run(data, sdir.resolveSibling(s.name() + ".ckpt"), ctx.log(), -1);
            trainer.sae().setTrainable(false);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("data", Map.of("corpus", corpusPath.toString(), "split", Map.of("part", "train", "held_out_fraction", 0.1,
                    "seed", config.seed())));
            extra.put("metrics", r);
            SaeTrainOutput.save(trainer, sdir, extra, "isaerft run (saes stage, " + s.name() + ")");
        }
    }
}
