package org.isaerft.cli;

import dev.langchain4j.model.openai.OpenAiChatModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Prompts;
import org.isaerft.score.DetectionScorer;
import org.isaerft.score.EmbeddingScorer;
import org.isaerft.score.FuzzingScorer;
import org.isaerft.score.LangChainScoringLlm;
import org.isaerft.score.ScoreRunner;
import org.isaerft.score.ScoreSummary;
import org.isaerft.score.Scorer;
import org.isaerft.score.ScoringLlm;
import org.isaerft.score.SimulationScorer;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isaerft score}: scores explanations on held-out examples, with shuffled and bootstrap baselines. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score explanations against latents' held-out (split 'score') examples.",
            "Writes scores.jsonl (one score per line; a killed run resumes) and summary.json (mean, bootstrap 95% CI,",
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

    @Option(names = "--base-url", description = "OpenAI-compatible API base URL, e.g. https://api.openai.com/v1 or http://localhost:8000/v1")
    String baseUrl;

    @Option(names = "--model", description = "model name for the OpenAI-compatible API")
    String model;

    @Option(names = "--api-key-env", defaultValue = "OPENAI_API_KEY", description = "environment variable holding the API key (default ${DEFAULT-VALUE})")
    String apiKeyEnv;

    @Option(names = "--prompts", description = "prompts directory (default: the project's prompts/)")
    Path prompts;

    @Override
    public Integer call() {
        List<LatentRecord> recs = ScoreRunner.loadRecords(records);
        List<Explanation> expl = ScoreRunner.loadExplanations(explanations);
        Prompts p = prompts == null ? Prompts.project() : new Prompts(prompts);
        Scorer s = switch (scorer) {
            case embedding -> new EmbeddingScorer();
            case simulation -> new SimulationScorer(llm(), p, simulationMode);
            case detection -> new DetectionScorer(llm(), p, seed);
            case fuzzing -> new FuzzingScorer(llm(), p, seed);
        };
        ScoreSummary summary = ScoreRunner.run(s, recs, expl, out, new ScoreRunner.Options(seed, bootstrap, method), m -> {
                    spec.commandLine().getErr().println(m);
                    spec.commandLine().getErr().flush();
                });
        spec.commandLine().getOut().println(Json.write(summary));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private ScoringLlm llm() {
        if (baseUrl == null || model == null) {
            throw new IllegalArgumentException("the " + scorer + " scorer needs an LLM: give --base-url and --model");
        }
        String key = System.getenv(apiKeyEnv);
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("environment variable " + apiKeyEnv + " (from --api-key-env) is not set");
        }
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(key).modelName(model)
                .timeout(Duration.ofSeconds(120)).maxRetries(3).build();
        return new LangChainScoringLlm(chat, "openai-compatible/" + model, true);
    }
}
