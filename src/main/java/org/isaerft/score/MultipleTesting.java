package org.isaerft.score;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Corrections for many comparisons. Every table of p-values in the harness reports
 * Benjamini–Hochberg q-values beside them, and verdict words use q, never raw p.
 */
public final class MultipleTesting {
    private MultipleTesting() {
    }

    /**
     * Benjamini–Hochberg step-up q-values (the false-discovery-rate adjusted p-values of
     * R's {@code p.adjust(p, "BH")} and statsmodels' {@code fdr_bh}): sort ascending, take
     * {@code p_(i) · m / i}, then the running minimum from the largest p down (never above 1, since the
     * largest q is the largest p).
     * NaN entries (tests that could not be run) stay NaN and do not count in m.
     *
     * @param p raw p-values in [0, 1] or NaN
     * @return q-values in the same order as {@code p}
     */
    public static double[] benjaminiHochberg(double[] p) {
        double[] q = new double[p.length];
        Arrays.fill(q, Double.NaN);
        Integer[] idx = new Integer[p.length];
        int m = 0;
        for (int i = 0; i < p.length; i++) {
            if (Double.isNaN(p[i])) {
                continue;
            }
            if (p[i] < 0 || p[i] > 1) {
                throw new IllegalArgumentException("p-value " + i + " is " + p[i] + ", expected within [0, 1]");
            }
            idx[m++] = i;
        }
        Integer[] order = Arrays.copyOf(idx, m);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double running = 1.0;
        for (int r = m - 1; r >= 0; r--) {
            int i = order[r];
            running = Math.min(running, p[i] * m / (r + 1));
            q[i] = running;
        }
        return q;
    }
}
