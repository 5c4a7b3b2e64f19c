package org.isaerft.llm;

import java.net.URI;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thread-safe running totals of one run's LLM traffic and the budget guard. Every
 * {@link LlmClient} of a run may share one ledger, so the budget covers all of them.
 */
public final class LlmLedger {
    private final LlmConfig config;
    private final String startedAt = Instant.now().toString();
    private long requests;
    private long successes;
    private long cacheHits;
    private long cacheCorrupt;
    private long retries;
    private final EnumMap<LlmException.Kind, Long> failures = new EnumMap<>(LlmException.Kind.class);
    private long parseFailures;
    private long budgetRefusals;
    private long inputTokens;
    private long outputTokens;
    private double costUsd;
    private long savedInputTokens;
    private long savedOutputTokens;
    private double savedCostUsd;
    private double reservedUsd;

    public LlmLedger(LlmConfig config) {
        this.config = config;
    }

    public LlmConfig config() {
        return config;
    }

    /**
     * Reserves a request's worst-case cost against the budget, or refuses it (nothing is sent).
     * The reservation is released by {@link #settle} or {@link #release}.
     */
    public synchronized void reserve(double worstCaseUsd) {
        Double budget = config.budgetUsd();
        if (budget != null && costUsd + reservedUsd + worstCaseUsd > budget + 1e-12) {
            budgetRefusals++;
            throw new BudgetExceededException(budget, costUsd + reservedUsd, worstCaseUsd);
        }
        reservedUsd += worstCaseUsd;
    }

    public synchronized void release(double reservedForRequest) {
        reservedUsd = Math.max(0, reservedUsd - reservedForRequest);
    }

    /** Replaces a reservation with the answer's real usage. */
    public synchronized void settle(double reservedForRequest, long in, long out, double cost) {
        release(reservedForRequest);
        successes++;
        inputTokens += in;
        outputTokens += out;
        costUsd += cost;
    }

    public synchronized void request() {
        requests++;
    }

    public synchronized void retry() {
        retries++;
    }

    public synchronized void failure(LlmException.Kind kind) {
        failures.merge(kind, 1L, Long::sum);
    }

    public synchronized void cacheHit(long in, long out, double cost) {
        cacheHits++;
        savedInputTokens += in;
        savedOutputTokens += out;
        savedCostUsd += cost;
    }

    public synchronized void cacheCorrupt() {
        cacheCorrupt++;
    }

    /** Called by explainers and scorers when an answer does not follow the requested format. */
    public synchronized void parseFailure() {
        parseFailures++;
    }

    public synchronized double spentUsd() {
        return costUsd;
    }

    public synchronized LlmRunSummary snapshot() {
        Map<String, Long> f = new LinkedHashMap<>();
        failures.forEach((k, v) -> f.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        return new LlmRunSummary(LlmRunSummary.SCHEMA_VERSION, LlmRunSummary.TYPE, config.provider().id(), config.model(),
                redactUrl(config.resolvedBaseUrl()), config.apiKeyEnv(), requests, successes, cacheHits, cacheCorrupt, retries, f,
                parseFailures, budgetRefusals, inputTokens, outputTokens, costUsd, savedInputTokens, savedOutputTokens, savedCostUsd,
                config.budgetUsd(), config.priceInputPer1m(), config.priceOutputPer1m(), startedAt, Instant.now().toString());
    }

    /** scheme://host[:port]/path — drops user info and query, where credentials could hide. */
    static String redactUrl(String url) {
        try {
            URI u = URI.create(url);
            if (u.getHost() == null) {
                return url.replaceAll("[?#].*$", "");
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getPath() == null ? "" : u.getPath());
        } catch (IllegalArgumentException e) {
            return "<unparseable url>";
        }
    }
}
