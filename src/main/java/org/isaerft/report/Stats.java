package org.isaerft.report;

import java.util.List;
import java.util.Optional;
import org.apache.commons.math3.distribution.HypergeometricDistribution;
import org.isaerft.score.ScoreMath;

/** The statistics behind the report's verdict words. */
final class Stats {
    private Stats() {}

    /** Bootstrap resamples for the task-level CIs. */
    static final int RESAMPLES = 2000;
    /** Fewest task cards for a CI-based verdict: fewer than this and the verdict is "too few cards". */
    static final int MIN_TASKS = 3;

    /** A mean over task cards with its bootstrap 95% CI (resampling cards). */
    record TaskMean(int n, double mean, double low, double high) {
        TaskMean {
            if (n < 1 || !(low <= mean + 1e-12) || !(mean <= high + 1e-12)) {
                throw new IllegalArgumentException("task mean: expected n >= 1 and low <= mean <= high, found n=" + n + " [" + low + ", "
                        + mean + ", " + high + "]");
            }
        }

        boolean enough() {
            return n >= MIN_TASKS;
        }

        boolean above(double baseline) {
            return enough() && low > baseline;
        }

        boolean below(double baseline) {
            return enough() && high < baseline;
        }
    }

    /** Mean of one value per task card with a percentile bootstrap CI over cards (seeded by {@code key}). */
    static Optional<TaskMean> overTasks(List<Double> perTask, String key) {
        double[] v = perTask.stream().mapToDouble(Double::doubleValue).toArray();
        if (v.length == 0) {
            return Optional.empty();
        }
        var ci = ScoreMath.bootstrapMeanCi(v, RESAMPLES, ScoreMath.seedFor(0, key)).orElseThrow();
        double m = ScoreMath.mean(v);
        return Optional.of(new TaskMean(v.length, m, Math.min(ci.low(), m), Math.max(ci.high(), m)));
    }

    /** Above this many cards the sign-flip test samples sign patterns instead of enumerating them. */
    static final int EXACT_MAX = 20;
    static final int FLIPS = 100_000;

    /**
     * Two-sided sign-flip permutation p-value of a mean of paired differences: exact over all 2^n
     * sign patterns for n ≤ {@value #EXACT_MAX} (the share whose |sum| is at least the observed one),
     * else {@value #FLIPS} seeded random patterns with the +1 correction.
     */
    static double signFlipP(List<Double> d) {
        int n = d.size();
        if (n == 0) {
            throw new IllegalArgumentException("sign-flip test needs at least 1 difference");
        }
        double obs = Math.abs(d.stream().mapToDouble(Double::doubleValue).sum());
        if (n > EXACT_MAX) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(ScoreMath.seedFor(0, "sign-flip/" + n));
            long hits = 0;
            for (int f = 0; f < FLIPS; f++) {
                double s = 0;
                for (double x : d) {
                    s += rng.nextBoolean() ? -x : x;
                }
                if (Math.abs(s) >= obs - 1e-12) {
                    hits++;
                }
            }
            return (hits + 1.0) / (FLIPS + 1.0);
        }
        long hits = 0;
        long total = 1L << n;
        for (long mask = 0; mask < total; mask++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += ((mask >> i) & 1) == 1 ? -d.get(i) : d.get(i);
            }
            if (Math.abs(s) >= obs - 1e-12) {
                hits++;
            }
        }
        return (double) hits / total;
    }

    /**
     * P(at least {@code hits} of {@code special} latents land in an audit list of {@code drawn} latents
     * out of {@code population}) when the list were a uniformly random draw: the hypergeometric upper tail.
     */
    static double hypergeometricUpper(int population, int special, int drawn, int hits) {
        if (population < 1 || special < 0 || special > population || drawn < 0 || drawn > population || hits < 0) {
            throw new IllegalArgumentException("hypergeometric: population " + population + ", special " + special + ", drawn " + drawn
                    + ", hits " + hits);
        }
        if (hits == 0) {
            return 1.0;
        }
        return new HypergeometricDistribution(null, population, special, drawn).upperCumulativeProbability(hits);
    }
}
