package org.isaerft.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.LlmConfig;
import org.isaerft.score.LlmClientScoringLlm;
import org.isaerft.score.ScoreRunner;
import org.isaerft.score.ScoreSummary;
import org.isaerft.score.Scorer;
import org.isaerft.score.Scorers;
import org.isaerft.score.ScoringLlm;
import org.isaerft.score.SimulationScorer;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isaerft score}: scores explanations on held-out examples, with shuffled and bootstrap baselines. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score explanations against latents' held-out (split 'score') examples.",
            "Writes scores.jsonl (one score per line; a killed run resumes) and summary.json (mean, bootstrap 95%% CI,",
            "shuffled-explanation baseline, chance levels)."})
public final class ScoreCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The scorers. */
    public enum Kind { simulation, detection, fuzzing, embedding }

    @Option(names = "--records", required = true, description = "directory of LatentRecord JSON files (<latent id file-safe>.json)")
    Path records;

    @Option(names = "--explanations", required = true, description = "explanations.jsonl")
    Path explanations;

    @Option(names = "--scorer", required = true, description = "simulation | detection | fuzzing | embedding")
    Kind scorer;

    @Option(names = "--method", description = "explanation method to score when the file holds several")
    String method;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "seed for batch shuffles, the derangement and the bootstrap (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--bootstrap", defaultValue = "1000", description = "bootstrap resamples over latents (default ${DEFAULT-VALUE})")
    int bootstrap;

    @Option(names = "--simulation-mode", defaultValue = "AUTO",
            description = "auto (log-probabilities, JSON answers if the provider returns none) | logprobs | json")
    SimulationScorer.Mode simulationMode;

    @Option(names = "--llm-config", description = "LLM config YAML (configs/llm/*.yaml); needed by simulation, detection, fuzzing")
    Path llmConfig;

    @Option(names = "--llm-cache", description = "response cache directory (default: <out>/llm_cache); a rerun answers from it")
    Path llmCache;

    @Option(names = "--structured-output", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "ask OpenAI-compatible servers to enforce the simulator's JSON schema (response_format json_schema); "
                    + "--no-structured-output for servers that reject it (answers are still parsed defensively)")
    boolean structuredOutput;

    @Option(names = "--concurrency", description = "latents scored at once (default: the LLM config's concurrency; 1 for embedding)")
    Integer concurrency;

    @Option(names = "--prompts", description = "prompts directory (default: the project's prompts/)")
    Path prompts;

    @Override
    public Integer call() {
        List<LatentRecord> recs = ScoreRunner.loadRecords(records);
        List<Explanation> expl = ScoreRunner.loadExplanations(explanations);
        Prompts p = prompts == null ? Prompts.project(Main.home(spec)) : new Prompts(prompts);
        if (scorer == Kind.simulation) {
            llm();
            warnIfSimulationMayTruncate(recs);
        }
        Scorer s = Scorers.create(scorer.name(), this::llm, p, simulationMode, seed);
        ScoreSummary summary;
        try {
            summary = ScoreRunner.run(s, recs, expl, out, new ScoreRunner.Options(seed, bootstrap, method,
                    concurrency != null ? concurrency : llm != null ? llm.client().config().concurrency() : 1), m -> {
                    spec.commandLine().getErr().println(m);
                    spec.commandLine().getErr().flush();
                });
        } finally {
            if (llm != null) {
                Json.writeFile(out.resolve("llm_summary.json"), llm.client().summary());
            }
        }
        spec.commandLine().getOut().println(Json.write(summary));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private ScoringLlm llm() {
        if (llmConfig == null) {
            throw new IllegalArgumentException("the " + scorer + " scorer needs an LLM: give --llm-config (e.g. configs/llm/openai-logprobs.yaml)");
        }
        if (llm == null) {
            LlmConfig cfg = LlmConfig.load(llmConfig);
            if (cfg.temperature() != 0.0) {
                spec.commandLine().getErr().println("warning: " + llmConfig + " sets temperature " + cfg.temperature()
                        + "; the scorers are defined at temperature 0 (Bills et al., Delphi), so scores will not be comparable");
            }
            llm = LlmClientScoringLlm.create(cfg, llmCache != null ? llmCache : out.resolve("llm_cache"), SimulationScorer.SCHEMA,
                    structuredOutput, System::getenv);
        }
        return llm;
    }

    private LlmClientScoringLlm llm;

    /** The simulator answers ~4 output tokens per rated token ("12", TAB, "3", newline); warn before truncation, not after. */
    private void warnIfSimulationMayTruncate(List<LatentRecord> recs) {
        LlmConfig cfg = llm.client().config();
        int longest = 0;
        for (LatentRecord r : recs) {
            for (var e : r.examples(org.isaerft.activations.Example.SPLIT_SCORE)) {
                longest = Math.max(longest, e.tokens().size());
            }
        }
        if (cfg.maxTokens() < 4 * longest + 16) {
            spec.commandLine().getErr().println("warning: max_tokens " + cfg.maxTokens() + " in " + llmConfig + " may cut off the "
                    + "simulator's answer for held-out examples of up to " + longest + " tokens (needs about " + (4 * longest + 16)
                    + "); cut-off answers are recorded as unparseable");
        }
        if (cfg.logprobs() && cfg.topLogprobs() < 11 && simulationMode != SimulationScorer.Mode.JSON) {
            spec.commandLine().getErr().println("warning: top_logprobs " + cfg.topLogprobs() + " < 11: the expected value over "
                    + "\"0\"..\"10\" is renormalised over the alternatives returned (Bills et al. read all of them)");
        }
    }
}
