package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.isaerft.activations.LatentRecord;
import org.isaerft.config.RunConfig;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompts;
import org.isaerft.run.RunFiles;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.score.LlmClientScoringLlm;
import org.isaerft.score.ScoreRunner;
import org.isaerft.score.ScoreSummary;
import org.isaerft.score.Scorer;
import org.isaerft.score.Scorers;
import org.isaerft.score.ScoringLlm;
import org.isaerft.score.SimulationScorer;
import org.isaerft.util.Json;

/**
 * Scores every method's explanations with every scorer {@code score.scorers} names ({@link Scorers}: embedding
 * offline; simulation, detection and fuzzing with the LLM config of {@code explain.llm}) into {@code score/SAE/METHOD/SCORER/}.
 */
public final class ScoreStage extends ConfiguredStage<ScoreStage.Output> {
    /** @param scoreRuns SAE × method × scorer runs */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int scoreRuns) {
        public Output {
            Stages.checkOutput(schemaVersion, scoreRuns);
        }
    }

    public ScoreStage(RunConfig config) {
        super(StageId.SCORE, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("score", config.score());
    }

    @Override
    public Output run(StageContext ctx) {
        RunLayout layout = ctx.layout();
        int n = 0;
        for (SaeInfo info : ctx.saes()) {
            List<LatentRecord> records = ScoreRunner.loadRecords(layout.records(info.name()));
            for (String method : config.explain().methods()) {
                Path efile = layout.explanationsFile(info.name(), method);
                List<Explanation> expl = RunFiles.hasBytes(efile) ? ScoreRunner.loadExplanations(efile) : List.of();
                if (expl.isEmpty()) {
                    ctx.log().printf("  [score %s] %s: no explanations, skipped%n", info.name(), method);
                    continue;
                }
                for (String sc : config.score().scorers()) {
                    Path sdir = layout.scores(info.name(), method, sc);
                    LlmClientScoringLlm[] llm = {null};
                    Supplier<ScoringLlm> lazy = () -> llm[0] = scoringLlm(ctx, layout.llmCache("score-" + sc));
                    Scorer scorer = Scorers.create(sc, lazy, Prompts.project(ctx.home()), SimulationScorer.Mode.AUTO, config.seed());
                    int concurrency = llm[0] == null ? 1 : llm[0].client().config().concurrency();
                    ScoreSummary s = ScoreRunner.run(scorer, records, expl, sdir,
                            new ScoreRunner.Options(config.seed(), config.score().bootstrap(), null, concurrency), msg -> { });
                    if (llm[0] != null) {
                        Json.writeFile(sdir.resolve("llm_summary.json"), llm[0].client().summary());
                        ctx.llmUsage().put("score/" + info.name() + "/" + method + "/" + sc, llm[0].client().summary());
                    }
                    n++;
                    ctx.log().printf("  [score %s] %s × %s: mean %s (shuffled %s)%n", info.name(), method, sc, s.explanations().mean(),
                            s.shuffled() == null ? "n/a" : s.shuffled().mean());
                }
            }
        }
        if (n == 0) {
            throw new Stage.StageFailure(id(), "no method had explanations to score");
        }
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, n);
    }

    private LlmClientScoringLlm scoringLlm(StageContext ctx, Path cache) {
        LlmConfig cfg = LlmConfig.load(ctx.home().resolve(config.explain().llm()));
        return LlmClientScoringLlm.create(cfg, cache, SimulationScorer.SCHEMA, true, ctx.env());
    }
}
