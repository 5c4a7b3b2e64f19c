package org.isaerft.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.explain.ExplainRun;
import org.isaerft.explain.Explainer;
import org.isaerft.explain.LlmExplainer;
import org.isaerft.explain.LogitLensExplainer;
import org.isaerft.explain.TokenStatsExplainer;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft explain}: describes every mined latent of a directory with one method, resumably. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain latents: one LatentRecord JSON per latent in --records, results in --out.",
            "Writes explanations.jsonl, latent_descriptions.json, neuronpedia_explanations.json, failures.jsonl, summary.json.",
            "A rerun skips finished latents; with an LLM, cached answers cost nothing."})
public final class ExplainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Interpretation methods. */
    enum Method {
        TOKEN_STATS("token-stats"), LOGIT_LENS("logit-lens"), LLM_OAI("llm-oai"), LLM_DELPHI("llm-delphi");

        final String id;

        Method(String id) {
            this.id = id;
        }

        static Method parse(String s) {
            for (Method m : values()) {
                if (m.id.equals(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown --method '" + s + "'; expected token-stats, logit-lens, llm-oai or llm-delphi");
        }
    }

    @Option(names = "--records", required = true, description = "directory of LatentRecord JSON files (<latent>.json)")
    Path records;

    @Option(names = "--method", required = true, description = "token-stats | logit-lens | llm-oai | llm-delphi")
    String method;

    @Option(names = "--llm-config", description = "LLM config YAML (configs/llm/*.yaml); required for llm-* methods")
    Path llmConfig;

    @Option(names = "--out", required = true, description = "output directory (e.g. results/<run>/explanations/<method>)")
    Path out;

    @Mixin
    LlmCacheOption cache = new LlmCacheOption();

    @Option(names = "--prompts", description = "prompts directory (default: the project's prompts/)")
    Path prompts;

    @Option(names = "--max-examples", defaultValue = "20", description = "activating explain-split examples shown to the LLM (default ${DEFAULT-VALUE})")
    int maxExamples;

    @Option(names = "--window", defaultValue = "64", description = "tokens per example around its peak, 0 = whole (default ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--parse-retries", defaultValue = "2", description = "new answers asked for after an unparseable one (default ${DEFAULT-VALUE})")
    int parseRetries;

    @Option(names = "--threads", description = "latents explained concurrently (default: the LLM config's concurrency, 1 offline)")
    Integer threads;

    @Option(names = "--limit", defaultValue = "0", description = "explain only the first N records (0 = all)")
    int limit;

    @Option(names = "--np-model-id", description = "Neuronpedia model id for the export (e.g. gpt2-small)")
    String npModelId;

    @Option(names = "--np-layer", description = "Neuronpedia SAE id for the export (e.g. 6-res-jb); default derived from latent ids")
    String npLayer;

    @Option(names = "--json", description = "print the run summary as JSON")
    boolean json;

    @Override
    public Integer call() {
        Method m = Method.parse(method);
        Explainer explainer;
        LlmClient client = null;
        Prompt prompt = null;
        int defaultThreads = 1;
        switch (m) {
            case TOKEN_STATS -> explainer = new TokenStatsExplainer();
            case LOGIT_LENS -> explainer = new LogitLensExplainer();
            default -> {
                if (llmConfig == null) {
                    throw new IllegalArgumentException("--method " + m.id + " needs --llm-config (e.g. configs/llm/openai.yaml)");
                }
                LlmConfig cfg = LlmConfig.load(llmConfig);
                client = cache.client(cfg, out).build();
                LlmExplainer llm = new LlmExplainer(client, m == Method.LLM_OAI ? LlmExplainer.Style.OAI : LlmExplainer.Style.DELPHI,
                        prompts != null ? new Prompts(prompts) : Prompts.project(Main.home(spec)),
                        new LlmExplainer.Options(maxExamples, window, parseRetries));
                prompt = llm.prompt();
                explainer = llm;
                defaultThreads = cfg.concurrency();
            }
        }
        ExplainRun run = new ExplainRun(explainer, out,
                new ExplainRun.Options(threads != null ? threads : defaultThreads, limit, npModelId, npLayer), client, prompt);
        ExplainRun.Summary s = run.run(records);
        if (json) {
            System.out.println(Json.write(s));
        } else {
            System.out.printf("%s: %d records, %d explained now, %d reused, %d without explanation -> %s%n", s.method(), s.records(),
                    s.explainedNow(), s.reused(), s.totalFailed(), out);
            if (s.llm() != null) {
                System.out.printf("llm: %d requests, %d cache hits, %d retries, %d parse failures, %d+%d tokens, $%.4f%n",
                        s.llm().requests(), s.llm().cacheHits(), s.llm().retries(), s.llm().parseFailures(), s.llm().inputTokens(),
                        s.llm().outputTokens(), s.llm().costUsd());
            }
        }
        return 0;
    }
}
