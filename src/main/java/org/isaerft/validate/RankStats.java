package org.isaerft.validate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.isaerft.score.ScoreMath;

/**
 * The statistics of a validation: is relevance higher for the latents an adapter changed most?
 *
 * <ul>
 *   <li>AUROC of relevance for the top-k changed latents (positives) vs the rest (Mann–Whitney
 *       form, ties count one half).</li>
 *   <li>Spearman ρ between |change| and relevance (average ranks for ties).</li>
 *   <li>precision@k: the fraction of the top-k whose relevance is at or above the judge's on-task threshold.</li>
 *   <li>A one-sided permutation p-value: descriptions (hence relevances) shuffled across latents,
 *       seeded; p = (1 + #{permuted statistic ≥ observed}) / (1 + permutations).</li>
 *   <li>Bootstrap 95% percentile intervals: AUROC resampled within the top-k and within the rest
 *       (stratified, so both classes stay present); Spearman resampled over latent pairs.</li>
 * </ul>
 * Relevance is a function of the description alone, so shuffling descriptions is shuffling the
 * relevance vector; ranks are invariant under that, so each permutation costs O(n).
 */
public final class RankStats {
    private RankStats() {}

    /** A closed interval; {@code undefined} counts resamples where the statistic did not exist. */
    public record Interval(double low, double high, int resamples, int undefined) {
        public boolean contains(double v) {
            return v >= low && v <= high;
        }
    }

    /** Permutation test result: one-sided p-values and the null means. */
    public record Permutation(int permutations, long seed, double pAuroc, double pSpearman, double nullMeanAuroc,
            double nullMeanSpearman) {}

    /** Average (mid) ranks, 1-based. */
    public static double[] midranks(double[] v) {
        int n = v.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double mid = (i + j) / 2.0 + 1.0;
            for (int t = i; t <= j; t++) {
                r[order[t]] = mid;
            }
            i = j + 1;
        }
        return r;
    }

    public static OptionalDouble auroc(double[] relevance, boolean[] top) {
        return ScoreMath.auroc(relevance, top);
    }

    /** Spearman ρ; empty when either variable is constant (ρ undefined). */
    public static OptionalDouble spearman(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("spearman: " + x.length + " vs " + y.length + " values");
        }
        if (x.length < 3 || ScoreMath.isConstant(x) || ScoreMath.isConstant(y)) {
            return OptionalDouble.empty();
        }
        double r = new SpearmansCorrelation().correlation(x, y);
        return Double.isFinite(r) ? OptionalDouble.of(r) : OptionalDouble.empty();
    }

    /** Fraction of the positives (top-k) with relevance ≥ threshold. */
    /**
     * How many of the {@code top} latents are also among the |top| most relevant ones: relevance sorted descending, ties broken
     * by a shuffle seeded with {@code seed} (so tied descriptions do not favour the change order).
     */
    public static int topKOverlap(double[] relevance, boolean[] top, long seed) {
        int n = relevance.length;
        int k = 0;
        for (boolean b : top) {
            k += b ? 1 : 0;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.List<Integer> shuffled = new java.util.ArrayList<>(java.util.Arrays.asList(order));
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        shuffled.sort((a, b) -> Double.compare(relevance[b], relevance[a])); // stable: ties keep the shuffled order
        int overlap = 0;
        for (int i = 0; i < k; i++) {
            overlap += top[shuffled.get(i)] ? 1 : 0;
        }
        return overlap;
    }

    /** P(X ≥ x) for X ~ Hypergeometric(population n, successes k, draws m). */
    public static double hypergeometricUpperTail(int n, int k, int m, int x) {
        if (x <= 0) {
            return 1.0;
        }
        return new org.apache.commons.math3.distribution.HypergeometricDistribution(null, n, k, m).upperCumulativeProbability(x);
    }

    public static double precisionAtK(double[] relevance, boolean[] top, double threshold) {
        int k = 0;
        int hit = 0;
        for (int i = 0; i < relevance.length; i++) {
            if (top[i]) {
                k++;
                hit += relevance[i] >= threshold ? 1 : 0;
            }
        }
        if (k == 0) {
            throw new IllegalArgumentException("precision@k: no top-k latents");
        }
        return (double) hit / k;
    }

    /**
     * Permutation test of AUROC(top vs rest) and Spearman(change, relevance) under shuffling the
     * relevances across latents.
     */
    public static Permutation permutation(double[] relevance, double[] change, boolean[] top, int permutations, long seed) {
        int n = relevance.length;
        if (change.length != n || top.length != n) {
            throw new IllegalArgumentException("permutation: lengths differ (" + n + ", " + change.length + ", " + top.length + ")");
        }
        if (permutations < 1) {
            throw new IllegalArgumentException("permutations must be >= 1, found " + permutations);
        }
        double[] rr = midranks(relevance);
        double[] rc = midranks(change);
        int k = 0;
        for (boolean b : top) {
            k += b ? 1 : 0;
        }
        if (k == 0 || k == n) {
            throw new IllegalArgumentException("permutation: need both top-k and other latents, found k=" + k + " of " + n);
        }
        double mean = (n + 1) / 2.0;
        double ssR = 0;
        double ssC = 0;
        for (int i = 0; i < n; i++) {
            ssR += (rr[i] - mean) * (rr[i] - mean);
            ssC += (rc[i] - mean) * (rc[i] - mean);
        }
        boolean spearmanDefined = ssR > 0 && ssC > 0;
        double denomA = (double) k * (n - k);
        double obsA = aurocFromRanks(rr, top, k, denomA);
        double obsS = spearmanDefined ? spearmanFromRanks(rr, rc, mean, ssR, ssC) : Double.NaN;
        Random rnd = new Random(seed);
        double[] perm = rr.clone();
        int geA = 0;
        int geS = 0;
        double sumA = 0;
        double sumS = 0;
        double eps = 1e-12;
        for (int p = 0; p < permutations; p++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                double t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            double a = aurocFromRanks(perm, top, k, denomA);
            sumA += a;
            geA += a >= obsA - eps ? 1 : 0;
            if (spearmanDefined) {
                double s = spearmanFromRanks(perm, rc, mean, ssR, ssC);
                sumS += s;
                geS += s >= obsS - eps ? 1 : 0;
            }
        }
        return new Permutation(permutations, seed, (1.0 + geA) / (1.0 + permutations),
                spearmanDefined ? (1.0 + geS) / (1.0 + permutations) : Double.NaN, sumA / permutations,
                spearmanDefined ? sumS / permutations : Double.NaN);
    }

    private static double aurocFromRanks(double[] ranks, boolean[] top, int k, double denom) {
        double s = 0;
        for (int i = 0; i < ranks.length; i++) {
            if (top[i]) {
                s += ranks[i];
            }
        }
        return (s - k * (k + 1) / 2.0) / denom;
    }

    private static double spearmanFromRanks(double[] a, double[] b, double mean, double ssA, double ssB) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - mean) * (b[i] - mean);
        }
        return s / Math.sqrt(ssA * ssB);
    }

    /** Stratified bootstrap percentile 95% interval of the AUROC (positives and negatives resampled separately). */
    public static Interval bootstrapAuroc(double[] relevance, boolean[] top, int resamples, long seed) {
        List<Double> pos = new ArrayList<>();
        List<Double> neg = new ArrayList<>();
        for (int i = 0; i < relevance.length; i++) {
            (top[i] ? pos : neg).add(relevance[i]);
        }
        if (pos.isEmpty() || neg.isEmpty()) {
            throw new IllegalArgumentException("bootstrap AUROC: need both classes, found " + pos.size() + " top and " + neg.size() + " rest");
        }
        Random rnd = new Random(seed);
        int n = relevance.length;
        double[] s = new double[n];
        boolean[] l = new boolean[n];
        for (int i = 0; i < pos.size(); i++) {
            l[i] = true;
        }
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < pos.size(); i++) {
                s[i] = pos.get(rnd.nextInt(pos.size()));
            }
            for (int i = 0; i < neg.size(); i++) {
                s[pos.size() + i] = neg.get(rnd.nextInt(neg.size()));
            }
            stats[b] = ScoreMath.auroc(s, l).getAsDouble();
        }
        return percentile(stats, resamples, 0);
    }

    /** Bootstrap percentile 95% interval of Spearman ρ over resampled (change, relevance) pairs; empty if never defined. */
    public static java.util.Optional<Interval> bootstrapSpearman(double[] change, double[] relevance, int resamples, long seed) {
        int n = change.length;
        Random rnd = new Random(seed);
        double[] x = new double[n];
        double[] y = new double[n];
        double[] stats = new double[resamples];
        int defined = 0;
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int j = rnd.nextInt(n);
                x[i] = change[j];
                y[i] = relevance[j];
            }
            OptionalDouble r = spearman(x, y);
            if (r.isPresent()) {
                stats[defined++] = r.getAsDouble();
            }
        }
        if (defined == 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(percentile(Arrays.copyOf(stats, defined), resamples, resamples - defined));
    }

    /** Percentile bootstrap: the 2.5% and 97.5% quantiles (linear interpolation) of the values. */
    public static Interval percentile(double[] values, int resamples, int undefined) {
        double[] v = values.clone();
        Arrays.sort(v);
        return new Interval(quantile(v, 0.025), quantile(v, 0.975), resamples, undefined);
    }

    /** Quantile of sorted values (linear interpolation between order statistics, type 7). */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("quantile of no values");
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
