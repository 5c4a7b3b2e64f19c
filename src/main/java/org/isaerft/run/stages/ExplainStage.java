package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningOutput;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.config.RunConfig;
import org.isaerft.explain.ExplainRun;
import org.isaerft.run.ExplainerFactory;
import org.isaerft.run.RunFiles;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.util.AtomicFiles;

/**
 * Chooses the latents to explain per SAE (copied to {@code explain/SAE/records/}) and explains them with
 * every configured method ({@link ExplainRun}, which keeps latents explained by an interrupted run).
 */
public final class ExplainStage extends ConfiguredStage<ExplainStage.Output> {
    /** @param explained latents with an explanation (all SAEs and methods) @param withoutExplanation latents without one */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int explained,
            int withoutExplanation) {
        public Output {
            Stages.checkOutput(schemaVersion, explained, withoutExplanation);
        }
    }

    public ExplainStage(RunConfig config) {
        super(StageId.EXPLAIN, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("explain", config.explain());
    }

    @Override
    public Output run(StageContext ctx) {
        RunLayout layout = ctx.layout();
        int explained = 0;
        int failed = 0;
        for (SaeInfo info : ctx.saes()) {
            Path recDir = layout.records(info.name());
            if (!Files.isRegularFile(recDir.resolve("_COMPLETE"))) {
                RunFiles.mkdirs(recDir);
                Path mdir = layout.mined(info.name());
                for (String f : selectLatentFiles(config, layout, info)) {
                    RunFiles.copy(mdir.resolve(f), recDir.resolve(Path.of(f).getFileName().toString()));
                }
                AtomicFiles.writeString(recDir.resolve("_COMPLETE"), "{\"schema_version\": 1}\n");
            }
            for (String method : config.explain().methods()) {
                ExplainerFactory.Made made = ctx.explainers().create(method, layout.llmCache(method));
                ctx.log().printf("  [explain %s] %s%n", info.name(), method);
                ExplainRun run = new ExplainRun(made.explainer(), layout.explanations(info.name(), method),
                        new ExplainRun.Options(config.explain().threads(), 0, config.model(), info.id()), made.client(), made.prompt());
                ExplainRun.Summary s = run.run(recDir, layout.relative(recDir));
                explained += s.totalExplained();
                failed += s.totalFailed();
                if (s.llm() != null) {
                    ctx.llmUsage().put("explain/" + info.name() + "/" + method, s.llm());
                }
                ctx.log().printf("  [explain %s] %s: %d explained (%d now, %d reused), %d without explanation%n", info.name(), method,
                        s.totalExplained(), s.explainedNow(), s.reused(), s.totalFailed());
            }
        }
        if (explained == 0) {
            throw new Stage.StageFailure(id(), "no latent was explained by any method (" + failed + " without explanation)");
        }
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, explained, failed);
    }

    /**
     * The latents of an SAE to explain: alive latents, most-changed first (round robin over the
     * adapters' change rankings), then a seeded random sample of the rest, up to max_latents.
     */
    static List<String> selectLatentFiles(RunConfig config, RunLayout layout, SaeInfo info) {
        MiningIndex idx = MiningOutput.readIndex(layout.mined(info.name()));
        Map<Integer, String> alive = new LinkedHashMap<>();
        for (MiningIndex.Entry e : idx.latents()) {
            if (!e.dead() && e.nExplain() > 0 && e.nScore() > 0) {
                alive.put(e.id().index(), e.file());
            }
        }
        int max = config.explain().maxLatents() == 0 ? alive.size() : Math.min(config.explain().maxLatents(), alive.size());
        LinkedHashSet<Integer> chosen = new LinkedHashSet<>();
        List<ChangeSummary> sums = AdaptersStage.changeSummaries(config, layout, info.name());
        int half = max / 2;
        for (int rank = 0; chosen.size() < half && !sums.isEmpty() && rank < info.dSae(); rank++) {
            for (ChangeSummary cs : sums) {
                if (rank < cs.latents().size() && chosen.size() < half) {
                    int li = cs.latents().get(rank).latent();
                    if (alive.containsKey(li)) {
                        chosen.add(li);
                    }
                }
            }
        }
        List<Integer> rest = new ArrayList<>(alive.keySet());
        rest.removeAll(chosen);
        Collections.shuffle(rest, new Random(config.seed() ^ 0x5eedL));
        for (int li : rest) {
            if (chosen.size() >= max) {
                break;
            }
            chosen.add(li);
        }
        return chosen.stream().sorted().map(alive::get).toList();
    }
}
