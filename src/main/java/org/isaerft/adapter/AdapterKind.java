package org.isaerft.adapter;

import java.util.Arrays;
import java.util.Locale;

/** The trainable components an ISaeRFT adapter can be made of (names as on the CLI and on disk). */
public enum AdapterKind {
    /** c' = (1 + s) ⊙ c, s init 0. */
    SCALE,
    /** c' = c + b, b init 0. */
    BIAS,
    /** c' = c + W2 · act(W1 · c + b1) + b2, W2 and b2 init 0. */
    FFNN;

    /** The lowercase name used on disk and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AdapterKind parse(String s) {
        if (s != null) {
            for (AdapterKind k : values()) {
                if (k.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("unknown adapter component '" + s + "' (expected one of "
                + Arrays.stream(values()).map(AdapterKind::id).toList() + ")");
    }
}
