package org.isaerft.explain;

import java.util.List;

/**
 * The OpenAI neuron-explainer record format (Bills et al. 2023): each example between
 * {@code <start>}/{@code <end>} as {@code token<TAB>activation} lines, activations scaled to
 * integers {@code min(10, floor(10·relu(x)/max))} with max over all shown examples; when fewer than
 * 20% of the shown tokens are non-zero, the examples are listed again with the zeros left out.
 */
public final class OaiFormat {
    private OaiFormat() {}

    public static final double SPARSE_PROPORTION = 0.2;
    public static final String SPARSE_HEADER = "\nSame activations, but with all zeros filtered out:\n";

    public static int scale(float x, double max) {
        if (!(max > 0)) {
            throw new IllegalArgumentException("OpenAI scaling needs a positive max activation, found " + max);
        }
        double relu = Math.max(0, x);
        return (int) Math.min(10, Math.floor(10 * relu / max));
    }

    public static double maxActivation(List<Shown> shown) {
        double m = 0;
        for (Shown s : shown) {
            m = Math.max(m, s.max());
        }
        return m;
    }

    /** One {@code <start> … <end>} block (with a trailing newline). */
    public static String record(Shown s, double max, boolean omitZeros) {
        StringBuilder sb = new StringBuilder("<start>\n");
        for (int i = 0; i < s.tokens().size(); i++) {
            int v = scale(s.activations()[i], max);
            if (omitZeros && v == 0) {
                continue;
            }
            sb.append(Shown.display(s.tokens().get(i))).append('\t').append(v).append('\n');
        }
        return sb.append("<end>\n").toString();
    }

    public static String records(List<Shown> shown, double max, boolean omitZeros) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(record(shown.get(i), max, omitZeros));
        }
        return sb.toString();
    }

    /** Fraction of shown tokens whose scaled activation is non-zero. */
    public static double nonZeroProportion(List<Shown> shown, double max) {
        long nz = 0;
        long n = 0;
        for (Shown s : shown) {
            for (float a : s.activations()) {
                n++;
                if (scale(a, max) > 0) {
                    nz++;
                }
            }
        }
        return n == 0 ? 0 : (double) nz / n;
    }

    /** The zeros-filtered repeat, or "" when the examples are dense enough. */
    public static String sparseRepeat(List<Shown> shown, double max) {
        return nonZeroProportion(shown, max) < SPARSE_PROPORTION ? SPARSE_HEADER + records(shown, max, true) : "";
    }
}
