package org.isaerft.activations;

/** Deterministic 64-bit sampling keys: splitmix64 over (seed, document, offset, salt). */
final class Keys {
    private Keys() {}

    /** Salt of the explain/score split (so it is independent of the sampling keys). */
    static final long SPLIT_SALT = 0x5117_5117_5117_5117L;
    static final long RANDOM_SALT = 0x0A0B_0C0D_0E0F_1011L;
    static final long DECILE_SALT = 0x7E57_DEC1_1E50_0001L;

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long hash(long seed, long document, long offset, long extra) {
        return finish(prefix(seed, document, offset), extra);
    }

    /** The part of {@link #hash} that does not depend on {@code extra} (computed once per chunk). */
    static long prefix(long seed, long document, long offset) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        h = mix(h ^ document);
        return mix(h ^ offset);
    }

    static long finish(long prefix, long extra) {
        return mix(prefix ^ extra);
    }
}
