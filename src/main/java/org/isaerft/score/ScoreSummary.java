package org.isaerft.score;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.llm.Usage;

/**
 * The aggregate of one scorer over one explanation method: the mean over latents with a defined
 * score (with a seeded bootstrap 95% CI over latents), the undefined ones counted by reason, the
 * same numbers for shuffled explanations, and chance levels of trivial strategies. Written as
 * {@code summary.json}.
 *
 * @param model        the judging model ({@code provider/model}, or the embedding model)
 * @param explanations aggregate over the real explanations
 * @param shuffled     aggregate over shuffled explanations (each latent scored against another latent's)
 * @param shuffledNote why there is no shuffled aggregate (fewer than two latents), else null
 */
public record ScoreSummary(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String scorer,
        String model,
        String valueMetric,
        String explanationMethod,
        long seed,
        int bootstrapResamples,
        int nLatents,
        Aggregate explanations,
        Aggregate shuffled,
        String shuffledNote,
        List<ChanceLevel> chanceLevels,
        List<Score.PromptRef> prompts,
        Usage usage) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "score_summary";

    public ScoreSummary {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected a score_summary with schema_version " + SCHEMA_VERSION + ", found " + type
                    + " v" + schemaVersion);
        }
        if (explanations == null) {
            throw new IllegalArgumentException("score summary needs the explanations' aggregate");
        }
        if ((shuffled == null) == (shuffledNote == null)) {
            throw new IllegalArgumentException("score summary needs exactly one of a shuffled aggregate and a note why there is none");
        }
        chanceLevels = List.copyOf(chanceLevels == null ? List.of() : chanceLevels);
        prompts = List.copyOf(prompts == null ? List.of() : prompts);
        usage = usage == null ? Usage.NONE : usage;
    }

    /**
     * Mean and spread of one set of scores.
     *
     * @param nDefined         latents with a value
     * @param nUndefined       latents without one (excluded from the mean)
     * @param undefinedReasons count per reason code
     * @param mean             mean value over defined latents (null if none)
     * @param ci95             percentile bootstrap 95% CI of the mean over latents (null if none)
     * @param metricMeans      mean of every per-score metric over the latents where it is defined
     */
    public record Aggregate(int nDefined, int nUndefined, Map<String, Integer> undefinedReasons, Double mean,
            ScoreMath.Interval ci95, Map<String, Double> metricMeans) {
        public Aggregate {
            undefinedReasons = undefinedReasons == null ? Map.of() : new TreeMap<>(undefinedReasons);
            metricMeans = metricMeans == null ? Map.of() : new TreeMap<>(metricMeans);
        }

        /** Aggregates scores; the bootstrap resamples latents with the given seed. */
        public static Aggregate of(List<Score> scores, int resamples, long seed) {
            List<Double> values = new ArrayList<>();
            Map<String, Integer> reasons = new TreeMap<>();
            Map<String, double[]> sums = new TreeMap<>(); // metric -> {sum, count}
            for (Score s : scores) {
                if (s.isDefined()) {
                    values.add(s.value());
                } else {
                    reasons.merge(s.undefined().reason().code(), 1, Integer::sum);
                }
                for (Map.Entry<String, Double> m : s.metrics().entrySet()) {
                    if (m.getValue() != null) {
                        double[] acc = sums.computeIfAbsent(m.getKey(), k -> new double[2]);
                        acc[0] += m.getValue();
                        acc[1] += 1;
                    }
                }
            }
            Map<String, Double> means = new TreeMap<>();
            sums.forEach((k, v) -> means.put(k, v[0] / v[1]));
            double[] vs = values.stream().mapToDouble(Double::doubleValue).toArray();
            Double mean = vs.length == 0 ? null : ScoreMath.mean(vs);
            ScoreMath.Interval ci = ScoreMath.bootstrapMeanCi(vs, resamples, seed).orElse(null);
            return new Aggregate(vs.length, scores.size() - vs.length, reasons, mean, ci, means);
        }
    }

    /**
     * What a trivial strategy scores.
     *
     * @param metric   the metric (e.g. {@code balanced_accuracy}, {@code accuracy})
     * @param strategy the strategy (e.g. {@code always "no"})
     * @param value    its value, averaged over latents where it is defined
     */
    public record ChanceLevel(String metric, String strategy, double value) {}
}
