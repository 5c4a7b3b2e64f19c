package org.isaerft.activations;

/**
 * Fixed, data-independent bins of positive activations, so that histograms (and the per-bin example
 * samples) of two shards merge exactly by adding counts. Four linear bins per octave from 2^-10 to
 * 2^14: bin {@code 1 + 4(e+10) + q} holds [2^e(1+q/4), 2^e(1+(q+1)/4)); bin 0 holds (0, 2^-10)
 * and the last bin [2^14, inf). The bin of a float comes straight from its exponent and top two
 * mantissa bits, so it is exact and costs no logarithm.
 */
public final class ActivationBins {
    private ActivationBins() {}

    public static final int MIN_EXP = -10;
    public static final int MAX_EXP = 14;
    public static final int PER_OCTAVE = 4;
    /** Number of bins, including the underflow and overflow bins. */
    public static final int COUNT = (MAX_EXP - MIN_EXP) * PER_OCTAVE + 2;

    /** The bin of a positive finite or infinite activation. */
    public static int of(float a) {
        int bits = Float.floatToRawIntBits(a);
        int e = ((bits >>> 23) & 0xff) - 127;
        if (e < MIN_EXP) {
            return 0;
        }
        if (e >= MAX_EXP) {
            return COUNT - 1;
        }
        return 1 + (e - MIN_EXP) * PER_OCTAVE + ((bits >>> 21) & 3);
    }

    /** Lower edge of bin {@code b} (0 for the underflow bin). */
    public static double lower(int b) {
        if (b <= 0) {
            return 0.0;
        }
        if (b >= COUNT - 1) {
            return Math.scalb(1.0, MAX_EXP);
        }
        int i = b - 1;
        int e = MIN_EXP + i / PER_OCTAVE;
        int q = i % PER_OCTAVE;
        return Math.scalb(1.0 + q / 4.0, e);
    }

    private static final double[] UPPER = new double[COUNT];

    static {
        for (int b = 0; b < COUNT; b++) {
            UPPER[b] = b >= COUNT - 1 ? Double.POSITIVE_INFINITY : lower(b + 1);
        }
    }

    /** Upper edge of bin {@code b} (infinite for the overflow bin). */
    public static double upper(int b) {
        return UPPER[b];
    }
}
