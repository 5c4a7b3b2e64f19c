package org.isaerft.llm;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.util.Json;

/**
 * How to reach one LLM and how hard to push it. Loaded from YAML under {@code configs/llm/}.
 * Holds the NAME of the environment variable with the API key ({@code api_key_env}), never the key.
 *
 * @param provider           {@code openai} (any OpenAI-compatible server), {@code anthropic}, {@code ollama}
 * @param model              model name sent to the server
 * @param baseUrl            server URL; null = the provider's public default
 * @param apiKeyEnv          name of the environment variable holding the key; null = send no key
 * @param temperature        sampling temperature
 * @param maxTokens          output token limit per request (also the budget's worst case)
 * @param logprobs           ask for per-token log-probabilities (OpenAI-compatible only)
 * @param topLogprobs        alternatives per output token (0..20) when {@code logprobs}
 * @param timeoutSeconds     per-request timeout
 * @param concurrency        requests in flight at most
 * @param requestsPerMinute  request starts per minute at most (0 = unlimited)
 * @param maxRetries         retries after the first attempt on 429/5xx/timeouts/malformed responses
 * @param backoffInitialMs   first retry delay; doubles per retry, with jitter
 * @param backoffMaxMs       cap of the retry delay
 * @param budgetUsd          stop before the run's estimated cost would exceed this (null = no limit)
 * @param priceInputPer1m    US dollars per million input tokens
 * @param priceOutputPer1m   US dollars per million output tokens
 */
public record LlmConfig(
        @JsonProperty("schema_version") Integer schemaVersion,
        Provider provider,
        String model,
        String baseUrl,
        String apiKeyEnv,
        Double temperature,
        Integer maxTokens,
        Boolean logprobs,
        Integer topLogprobs,
        Double timeoutSeconds,
        Integer concurrency,
        Integer requestsPerMinute,
        Integer maxRetries,
        Long backoffInitialMs,
        Long backoffMaxMs,
        Double budgetUsd,
        @JsonProperty("price_input_per_1m") Double priceInputPer1m,
        @JsonProperty("price_output_per_1m") Double priceOutputPer1m) {
    public static final int SCHEMA_VERSION = 1;

    public LlmConfig {
        schemaVersion = schemaVersion == null ? SCHEMA_VERSION : schemaVersion;
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("llm config: schema_version " + schemaVersion + " is not supported (expected "
                    + SCHEMA_VERSION + ")");
        }
        if (provider == null) {
            throw new IllegalArgumentException("llm config: 'provider' is required (openai, anthropic or ollama)");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("llm config: 'model' is required");
        }
        if (apiKeyEnv != null && !apiKeyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("llm config: 'api_key_env' must be the NAME of an environment variable "
                    + "(e.g. OPENAI_API_KEY), never the key itself");
        }
        temperature = temperature == null ? 0.0 : temperature;
        maxTokens = maxTokens == null ? 512 : maxTokens;
        logprobs = logprobs != null && logprobs;
        topLogprobs = topLogprobs == null ? (logprobs ? 5 : 0) : topLogprobs;
        timeoutSeconds = timeoutSeconds == null ? 60.0 : timeoutSeconds;
        concurrency = concurrency == null ? 4 : concurrency;
        requestsPerMinute = requestsPerMinute == null ? 0 : requestsPerMinute;
        maxRetries = maxRetries == null ? 5 : maxRetries;
        backoffInitialMs = backoffInitialMs == null ? 1000L : backoffInitialMs;
        backoffMaxMs = backoffMaxMs == null ? 60_000L : backoffMaxMs;
        priceInputPer1m = priceInputPer1m == null ? 0.0 : priceInputPer1m;
        priceOutputPer1m = priceOutputPer1m == null ? 0.0 : priceOutputPer1m;
        check(temperature >= 0 && temperature <= 2, "temperature", "0..2", temperature);
        check(maxTokens >= 1, "max_tokens", ">= 1", maxTokens);
        check(topLogprobs >= 0 && topLogprobs <= 20, "top_logprobs", "0..20", topLogprobs);
        check(!(topLogprobs > 0 && !logprobs), "top_logprobs", "0 unless logprobs: true", topLogprobs);
        check(!(logprobs && provider != Provider.OPENAI), "logprobs", "false for " + provider.id()
                + " (only OpenAI-compatible servers return log-probabilities)", logprobs);
        check(timeoutSeconds > 0, "timeout_seconds", "> 0", timeoutSeconds);
        check(concurrency >= 1, "concurrency", ">= 1", concurrency);
        check(requestsPerMinute >= 0, "requests_per_minute", ">= 0 (0 = unlimited)", requestsPerMinute);
        check(maxRetries >= 0, "max_retries", ">= 0", maxRetries);
        check(backoffInitialMs >= 0 && backoffMaxMs >= backoffInitialMs, "backoff_initial_ms/backoff_max_ms",
                "0 <= initial <= max", backoffInitialMs + "/" + backoffMaxMs);
        check(budgetUsd == null || budgetUsd >= 0, "budget_usd", ">= 0", budgetUsd);
        check(priceInputPer1m >= 0 && priceOutputPer1m >= 0, "price_input_per_1m/price_output_per_1m", ">= 0",
                priceInputPer1m + "/" + priceOutputPer1m);
    }

    private static void check(boolean ok, String field, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException("llm config: '" + field + "' must be " + expected + ", found " + found);
        }
    }

    /** Reads a YAML (or JSON) config file; errors name the file. */
    public static LlmConfig load(Path file) {
        try {
            return Json.readFile(file, LlmConfig.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a valid LLM config: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public String resolvedBaseUrl() {
        return baseUrl != null && !baseUrl.isBlank() ? baseUrl : provider.defaultBaseUrl();
    }

    public Duration timeout() {
        return Duration.ofMillis(Math.round(timeoutSeconds * 1000));
    }

    /** Estimated US dollars for the given token counts. */
    public double cost(long inputTokens, long outputTokens) {
        return inputTokens * priceInputPer1m / 1e6 + outputTokens * priceOutputPer1m / 1e6;
    }

    /** The sampling parameters that change an answer: part of every cache key. */
    public Map<String, Object> cacheParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("temperature", temperature);
        m.put("max_tokens", maxTokens);
        m.put("logprobs", logprobs);
        m.put("top_logprobs", topLogprobs);
        return m;
    }

    public static Builder builder(Provider provider, String model) {
        return new Builder(provider, model);
    }

    public Builder toBuilder() {
        Builder b = new Builder(provider, model);
        b.baseUrl = baseUrl;
        b.apiKeyEnv = apiKeyEnv;
        b.temperature = temperature;
        b.maxTokens = maxTokens;
        b.logprobs = logprobs;
        b.topLogprobs = topLogprobs;
        b.timeoutSeconds = timeoutSeconds;
        b.concurrency = concurrency;
        b.requestsPerMinute = requestsPerMinute;
        b.maxRetries = maxRetries;
        b.backoffInitialMs = backoffInitialMs;
        b.backoffMaxMs = backoffMaxMs;
        b.budgetUsd = budgetUsd;
        b.priceInputPer1m = priceInputPer1m;
        b.priceOutputPer1m = priceOutputPer1m;
        return b;
    }

    /** Builds a config in code; unset fields take the same defaults as a YAML file. */
    public static final class Builder {
        private Provider provider;
        private String model;
        private String baseUrl;
        private String apiKeyEnv;
        private Double temperature;
        private Integer maxTokens;
        private Boolean logprobs;
        private Integer topLogprobs;
        private Double timeoutSeconds;
        private Integer concurrency;
        private Integer requestsPerMinute;
        private Integer maxRetries;
        private Long backoffInitialMs;
        private Long backoffMaxMs;
        private Double budgetUsd;
        private Double priceInputPer1m;
        private Double priceOutputPer1m;

        private Builder(Provider provider, String model) {
            this.provider = provider;
            this.model = model;
        }

        public Builder provider(Provider v) { provider = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder baseUrl(String v) { baseUrl = v; return this; }
        public Builder apiKeyEnv(String v) { apiKeyEnv = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder logprobs(boolean v) { logprobs = v; return this; }
        public Builder topLogprobs(int v) { topLogprobs = v; return this; }
        public Builder timeoutSeconds(double v) { timeoutSeconds = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder requestsPerMinute(int v) { requestsPerMinute = v; return this; }
        public Builder maxRetries(int v) { maxRetries = v; return this; }
        public Builder backoffMs(long initial, long max) { backoffInitialMs = initial; backoffMaxMs = max; return this; }
        public Builder budgetUsd(Double v) { budgetUsd = v; return this; }
        public Builder prices(double inputPer1m, double outputPer1m) {
            priceInputPer1m = inputPer1m;
            priceOutputPer1m = outputPer1m;
            return this;
        }

        public LlmConfig build() {
            return new LlmConfig(SCHEMA_VERSION, provider, model, baseUrl, apiKeyEnv, temperature, maxTokens, logprobs, topLogprobs,
                    timeoutSeconds, concurrency, requestsPerMinute, maxRetries, backoffInitialMs, backoffMaxMs, budgetUsd,
                    priceInputPer1m, priceOutputPer1m);
        }
    }
}
