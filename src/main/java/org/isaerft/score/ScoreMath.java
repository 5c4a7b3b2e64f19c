package org.isaerft.score;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * The statistics scorers and summaries use. Every function returns an empty optional where the
 * quantity is mathematically undefined (zero variance, a single class), never NaN.
 */
public final class ScoreMath {
    private ScoreMath() {}

    /**
     * Pearson correlation of {@code x} and {@code y}, or empty when either is constant.
     * Computed with centred sums in double precision.
     */
    public static OptionalDouble pearson(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("pearson: lengths differ (" + x.length + " vs " + y.length + ")");
        }
        int n = x.length;
        if (n < 2) {
            return OptionalDouble.empty();
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (isZeroVariance(sxx, x) || isZeroVariance(syy, y)) {
            return OptionalDouble.empty();
        }
        double r = sxy / Math.sqrt(sxx * syy);
        return OptionalDouble.of(Math.max(-1.0, Math.min(1.0, r)));
    }

    /** True if all values are equal (exactly, or up to rounding of the sum of squares). */
    public static boolean isConstant(double[] v) {
        for (double d : v) {
            if (d != v[0]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZeroVariance(double ss, double[] v) {
        if (isConstant(v)) {
            return true;
        }
        double scale = 0;
        for (double d : v) {
            scale = Math.max(scale, Math.abs(d));
        }
        return ss <= 1e-24 * scale * scale * v.length;
    }

    /**
     * AUROC of {@code scores} for {@code labels} in the Mann–Whitney U form: the probability that a
     * random positive scores above a random negative, ties counting one half (midranks).
     * Empty when either class is absent.
     */
    public static OptionalDouble auroc(double[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("auroc: " + scores.length + " scores for " + labels.length + " labels");
        }
        int n = scores.length;
        long nPos = 0;
        for (boolean b : labels) {
            nPos += b ? 1 : 0;
        }
        long nNeg = n - nPos;
        if (nPos == 0 || nNeg == 0) {
            return OptionalDouble.empty();
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("auroc: score " + i + " is " + scores[i]);
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSumPos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1.0; // ranks are 1-based
            for (int k = i; k <= j; k++) {
                if (labels[order[k]]) {
                    rankSumPos += midRank;
                }
            }
            i = j + 1;
        }
        double u = rankSumPos - nPos * (nPos + 1) / 2.0;
        return OptionalDouble.of(u / ((double) nPos * nNeg));
    }

    /** Confusion counts of binary predictions. */
    public record Confusion(int tp, int fp, int tn, int fn) {
        public static Confusion of(boolean[] predicted, boolean[] labels) {
            if (predicted.length != labels.length) {
                throw new IllegalArgumentException("confusion: " + predicted.length + " predictions for " + labels.length + " labels");
            }
            int tp = 0;
            int fp = 0;
            int tn = 0;
            int fn = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i]) {
                    if (predicted[i]) {
                        tp++;
                    } else {
                        fn++;
                    }
                } else if (predicted[i]) {
                    fp++;
                } else {
                    tn++;
                }
            }
            return new Confusion(tp, fp, tn, fn);
        }

        public int n() {
            return tp + fp + tn + fn;
        }

        public OptionalDouble accuracy() {
            return n() == 0 ? OptionalDouble.empty() : OptionalDouble.of((tp + tn) / (double) n());
        }

        /** Mean of recall on positives and recall on negatives; empty with a single class. */
        public OptionalDouble balancedAccuracy() {
            if (tp + fn == 0 || tn + fp == 0) {
                return OptionalDouble.empty();
            }
            return OptionalDouble.of(0.5 * (tp / (double) (tp + fn) + tn / (double) (tn + fp)));
        }

        /** 2TP / (2TP + FP + FN); empty when there are no positives and no positive predictions. */
        public OptionalDouble f1() {
            int d = 2 * tp + fp + fn;
            return d == 0 ? OptionalDouble.empty() : OptionalDouble.of(2.0 * tp / d);
        }

        public OptionalDouble precision() {
            return tp + fp == 0 ? OptionalDouble.empty() : OptionalDouble.of(tp / (double) (tp + fp));
        }

        public OptionalDouble recall() {
            return tp + fn == 0 ? OptionalDouble.empty() : OptionalDouble.of(tp / (double) (tp + fn));
        }
    }

    /** A two-sided interval. */
    public record Interval(double low, double high) {
        public Interval {
            if (!(low <= high)) {
                throw new IllegalArgumentException("interval low " + low + " > high " + high);
            }
        }

        public boolean contains(double v) {
            return v >= low && v <= high;
        }
    }

    /**
     * Percentile bootstrap 95% interval of the mean: {@code resamples} resamples with replacement,
     * drawn from a generator seeded with {@code seed}. Empty for no values.
     */
    public static java.util.Optional<Interval> bootstrapMeanCi(double[] values, int resamples, long seed) {
        if (resamples < 1) {
            throw new IllegalArgumentException("bootstrap needs at least 1 resample, found " + resamples);
        }
        int n = values.length;
        if (n == 0) {
            return java.util.Optional.empty();
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += values[rng.nextInt(n)];
            }
            means[r] = s / n;
        }
        Arrays.sort(means);
        return java.util.Optional.of(new Interval(quantile(means, 0.025), quantile(means, 0.975)));
    }

    /** Linear-interpolated quantile of sorted values (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    /**
     * A seeded random derangement of {@code 0..n-1} (no element stays in place), via Sattolo's
     * algorithm: a uniformly random single cycle. Needs n ≥ 2.
     */
    public static int[] derangement(int n, long seed) {
        if (n < 2) {
            throw new IllegalArgumentException("a derangement needs at least 2 elements, found " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i); // j < i: Sattolo
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Seeded Fisher–Yates shuffle of a copy of {@code items}. */
    public static <T> List<T> shuffled(List<T> items, long seed) {
        List<T> out = new java.util.ArrayList<>(items);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    /** A stable per-latent seed derived from a run seed and a name (FNV-1a mixed). */
    public static long seedFor(long seed, String name) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
