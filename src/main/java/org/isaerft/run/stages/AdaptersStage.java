package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterOutputs;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.run.AdaptersDocument;
import org.isaerft.run.RunCodec;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.sae.Sae;
import org.isaerft.util.Json;

/** Trains one adapter per SAE × task card × component (keeping adapters already on disk); writes {@code adapters/summary.json}. */
public final class AdaptersStage extends ConfiguredStage<AdaptersStage.Output> {
    /** @param adapters adapters of the run @param trainedNow trained by this execution @param reused found on disk */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int adapters, int trainedNow,
            int reused) {
        public Output {
            Stages.checkOutput(schemaVersion, adapters, trainedNow, reused);
        }
    }

    public AdaptersStage(RunConfig config) {
        super(StageId.ADAPTERS, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("adapters", config.adapters());
    }

    @Override
    public Output run(StageContext ctx) {
        RunConfig.AdapterSection a = config.adapters();
        if (a == null) {
            return new Output(Stages.OUTPUT_SCHEMA_VERSION, 0, 0, 0);
        }
        RunLayout layout = ctx.layout();
        int trained = 0;
        int reused = 0;
        List<AdaptersDocument.Row> rows = new ArrayList<>();
        int total = config.saes().size() * a.tasks().size() * a.components().size();
        int i = 0;
        for (SaeInfo info : ctx.saes()) {
            try (Sae sae = ctx.openSae(info)) {
                for (String task : a.tasks()) {
                    TaskCards.Loaded card = card(task, a, ctx.home());
                    TaskDataset data = DatasetBuilder.build(card);
                    for (String comp : a.components()) {
                        i++;
                        Path adir = layout.adapter(info.name(), task, comp);
                        if (!Files.isRegularFile(adir.resolve(AdapterOutputs.METADATA))) {
                            ctx.log().printf("  [adapters %d/%d] %s × %s × %s%n", i, total, info.name(), task, comp);
                            AdapterKind kind = AdapterKind.valueOf(comp.toUpperCase(Locale.ROOT));
                            TrainConfig tc = TrainConfig.builder().component(kind)
                                    .hidden(a.hidden()).l1(a.l1()).lr(lr(a, kind)).steps(a.steps()).batch(a.batch()).seq(a.seq())
                                    .seed(config.seed()).evalWindows(a.evalWindows()).logEvery(Math.max(1, a.steps() / 4)).build();
                            AdapterTrainer.Result res = new AdapterTrainer(ctx.model(), sae, tc, ctx.log()).train(data);
                            try {
                                AdapterOutputs.write(adir, res, tc, ctx.model(), config.model(), sae, info.spec(), card, data);
                            } finally {
                                res.adapter().close();
                            }
                            trained++;
                        } else {
                            reused++;
                        }
                        rows.add(row(layout, info, task, comp, adir));
                    }
                }
            }
        }
        RunCodec.write(layout.adaptersSummary(), new AdaptersDocument(rows, AdaptersDocument.SCHEMA_VERSION));
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, rows.size(), trained, reused);
    }

    private static AdaptersDocument.Row row(RunLayout layout, SaeInfo info, String task, String comp, Path adir) {
        AdapterMetadata meta = Json.readFile(adir.resolve(AdapterOutputs.METADATA), AdapterMetadata.class);
        ChangeSummary cs = Json.readFile(adir.resolve(AdapterOutputs.CHANGE_SUMMARY), ChangeSummary.class);
        List<AdaptersDocument.TopChange> top = cs.top(20).stream()
                .map(l -> new AdaptersDocument.TopChange(l.latent(), l.meanAbsDelta(), l.paramChange())).toList();
        return new AdaptersDocument.Row(meta.adaptedTaskLoss(), meta.baseTaskLoss(), comp, layout.relative(adir), info.name(), info.type(),
                meta.seconds(), meta.hyperparameters() == null ? null : meta.hyperparameters().steps(), task, top, meta.trainableParams());
    }

    /** The fields of an adapter's {@code metadata.json} the summary shows (the rest is ignored here). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record AdapterMetadata(Long trainableParams, Double baseTaskLoss, Double adaptedTaskLoss, Double seconds, Hyper hyperparameters) {
        @JsonIgnoreProperties(ignoreUnknown = true)
        record Hyper(Integer steps) {}
    }

    /** The task card, limited to the run's {@code max_documents}. */
    static TaskCards.Loaded card(String task, RunConfig.AdapterSection a, ProjectHome home) {
        TaskCards.Loaded card = TaskCards.load(task, home);
        if (a.maxDocuments() == null) {
            return card;
        }
        TaskCard c = card.card();
        TaskCard.Data d = c.data();
        int max = d.maxDocuments() == null ? a.maxDocuments() : Math.min(d.maxDocuments(), a.maxDocuments());
        TaskCard limited = new TaskCard(c.schemaVersion(), c.name(), c.description(), c.expectedConcepts(),
                new TaskCard.Data(d.sources(), d.filter(), max, d.seed()), c.split(), c.knownRelevantLatents(), c.poison());
        return new TaskCards.Loaded(limited, card.file(), card.home());
    }

    /** Change summaries of every adapter trained on an SAE, in task × component order. */
    static List<ChangeSummary> changeSummaries(RunConfig config, RunLayout layout, String sae) {
        List<ChangeSummary> list = new ArrayList<>();
        if (config.adapters() == null) {
            return list;
        }
        for (String task : config.adapters().tasks()) {
            for (String comp : config.adapters().components()) {
                Path f = layout.changeSummary(sae, task, comp);
                if (Files.isRegularFile(f)) {
                    list.add(Json.readFile(f, ChangeSummary.class));
                }
            }
        }
        return list;
    }

    /** The config's learning rate, else the component's default ({@link TrainConfig#defaultLr}, chosen by the lr sweep). */
    static double lr(RunConfig.AdapterSection a, AdapterKind kind) {
        return a.lr() != null ? a.lr() : TrainConfig.defaultLr(kind);
    }
}
