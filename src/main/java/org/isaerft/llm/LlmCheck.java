package org.isaerft.llm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One tiny request through a configured provider, to check a config before a real run: does the key
 * work, which model answers, how long it takes, whether per-token log-probabilities come back (the
 * simulation scorer needs them, or falls back to JSON answers) and what a request costs. No cache, one
 * retry at most, at most {@link #MAX_TOKENS} output tokens. The API key is read from the environment
 * variable the config names and never printed.
 */
public final class LlmCheck {
    /** Output token cap of the check request. */
    public static final int MAX_TOKENS = 8;
    static final List<Message> MESSAGES = List.of(
            Message.system("You are a connectivity check. Answer with one word."),
            Message.user("Reply with the single word: ok"));

    private LlmCheck() {
    }

    /**
     * What the check found.
     *
     * @param provider          provider id (openai, anthropic, ollama)
     * @param model             model name the config sends
     * @param baseUrl           server URL used
     * @param latencyMs         wall time of the request, retries included
     * @param answer            the model's reply (trimmed, at most 80 characters)
     * @param logprobsRequested the config asks for log-probabilities
     * @param logprobsReturned  per-token log-probabilities came back
     * @param inputTokens       tokens the provider counted in
     * @param outputTokens      tokens the provider counted out
     * @param costUsd           estimated cost of this request at the config's prices
     * @param pricesKnown       the config sets a price (else the estimate is 0 by construction)
     */
    public record Result(String provider, String model, String baseUrl, long latencyMs, String answer,
            boolean logprobsRequested, boolean logprobsReturned, long inputTokens, long outputTokens, double costUsd,
            boolean pricesKnown) {
        /** What the simulation scorer will do with this config. */
        public String simulationMode() {
            if (logprobsReturned) {
                return "log-probabilities (simulation scores from per-token probabilities)";
            }
            if (logprobsRequested) {
                return "JSON fallback: the config asks for log-probabilities but the server returned none";
            }
            return "JSON fallback: log-probabilities not requested (set logprobs: true on an OpenAI-compatible server to use them)";
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("provider", provider);
            m.put("model", model);
            m.put("base_url", baseUrl);
            m.put("latency_ms", latencyMs);
            m.put("answer", answer);
            m.put("logprobs_requested", logprobsRequested);
            m.put("logprobs_returned", logprobsReturned);
            m.put("simulation_mode", logprobsReturned ? "logprobs" : "json");
            m.put("input_tokens", inputTokens);
            m.put("output_tokens", outputTokens);
            m.put("cost_usd", costUsd);
            m.put("prices_known", pricesKnown);
            return m;
        }

        /** Human-readable lines. */
        public String toText(LlmConfig cfg) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(java.util.Locale.ROOT, "provider      %s%n", provider));
            sb.append(String.format(java.util.Locale.ROOT, "model         %s%n", model));
            sb.append(String.format(java.util.Locale.ROOT, "base url      %s%n", baseUrl));
            sb.append(String.format(java.util.Locale.ROOT, "latency       %d ms%n", latencyMs));
            sb.append(String.format(java.util.Locale.ROOT, "answer        %s%n", answer));
            sb.append(String.format(java.util.Locale.ROOT, "logprobs      %s%n", logprobsReturned ? "yes" : "no"));
            sb.append(String.format(java.util.Locale.ROOT, "simulation    %s%n", simulationMode()));
            sb.append(String.format(java.util.Locale.ROOT, "tokens        %d in / %d out%n", inputTokens, outputTokens));
            if (pricesKnown) {
                sb.append(String.format(java.util.Locale.ROOT, "cost          $%.6f for this request (at $%.2f / $%.2f per 1M in/out tokens)%n",
                        costUsd, cfg.priceInputPer1m(), cfg.priceOutputPer1m()));
            } else {
                sb.append(String.format(java.util.Locale.ROOT,
                        "cost          unknown: the config sets no price_input_per_1m / price_output_per_1m (estimates will be $0)%n"));
            }
            sb.append(String.format(java.util.Locale.ROOT, "budget        %s%n",
                    cfg.budgetUsd() == null ? "none (budget_usd unset)" : String.format(java.util.Locale.ROOT, "$%.2f per run", cfg.budgetUsd())));
            return sb.toString();
        }
    }

    /** Checks {@code cfg} with the key from the process environment. */
    public static Result run(LlmConfig cfg) {
        return run(cfg, System::getenv);
    }

    /**
     * @param env looks up environment variables by name (injectable for tests)
     * @throws IllegalArgumentException naming the environment variable when the config's key is not set
     * @throws LlmException             when the request fails (authentication, unknown model, unreachable server…)
     */
    public static Result run(LlmConfig cfg, Function<String, String> env) {
        LlmConfig small = cfg.toBuilder().maxTokens(Math.min(cfg.maxTokens(), MAX_TOKENS)).maxRetries(Math.min(cfg.maxRetries(), 1))
                .requestsPerMinute(0).build();
        LlmClient client = LlmClient.builder(ChatModels.create(small, env), small).build();
        long t0 = System.nanoTime();
        LlmResponse r = client.complete(MESSAGES);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String answer = r.text().strip().replaceAll("\\s+", " ");
        if (answer.length() > 80) {
            answer = answer.substring(0, 77) + "...";
        }
        return new Result(cfg.provider().id(), cfg.model(), cfg.resolvedBaseUrl(), ms, answer, cfg.logprobs(), r.hasLogprobs(),
                r.usage().inputTokens(), r.usage().outputTokens(), r.usage().costUsd(),
                cfg.priceInputPer1m() > 0 || cfg.priceOutputPer1m() > 0);
    }
}
