package org.isaerft.llm;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.util.Json;

/**
 * What one run spent and how its requests went; written as {@code llm_summary.json}. Carries
 * the API key's environment variable NAME, never its value.
 *
 * @param requests         HTTP requests made (every attempt, including retried ones)
 * @param successes        requests answered with usable text
 * @param cacheHits        answers served from the disk cache (no request)
 * @param cacheCorrupt     unreadable cache entries found (treated as misses and rewritten)
 * @param retries          attempts repeated after a retriable failure
 * @param failures         requests given up, by {@link LlmException.Kind}
 * @param parseFailures    answers the caller could not parse (counted by explainers/scorers)
 * @param budgetRefusals   requests refused because the budget would be exceeded
 * @param inputTokens      input tokens of requests made in this run
 * @param outputTokens     output tokens of requests made in this run
 * @param costUsd          estimated cost of requests made in this run
 * @param savedCostUsd     cost of the answers served from the cache (what they cost when first made)
 */
public record LlmRunSummary(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String provider,
        String model,
        String baseUrl,
        String apiKeyEnv,
        long requests,
        long successes,
        long cacheHits,
        long cacheCorrupt,
        long retries,
        Map<String, Long> failures,
        long parseFailures,
        long budgetRefusals,
        long inputTokens,
        long outputTokens,
        double costUsd,
        long savedInputTokens,
        long savedOutputTokens,
        double savedCostUsd,
        Double budgetUsd,
        @JsonProperty("price_input_per_1m") double priceInputPer1m,
        @JsonProperty("price_output_per_1m") double priceOutputPer1m,
        String startedAt,
        String updatedAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "llm_run_summary";

    public LlmRunSummary {
        failures = new TreeMap<>(failures == null ? Map.of() : failures);
    }

    public long failureCount() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }

    public String toJson() {
        return Json.write(this);
    }

    public void write(Path path) {
        Json.writeFile(path, this);
    }
}
