package org.isaerft.data;

/**
 * A deterministic train / held-out split by document: document {@code i} is held out when a hash
 * of {@code (seed, i)} mapped to [0, 1) is below {@code heldOutFraction}. Streaming-friendly (no
 * document count needed) and stable when the corpus grows.
 */
public record DocumentSplit(double heldOutFraction, long seed) {
    /** Which documents to keep. */
    public enum Part { ALL, TRAIN, HELD_OUT }

    public DocumentSplit {
        if (!(heldOutFraction >= 0 && heldOutFraction <= 1)) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1], found " + heldOutFraction);
        }
    }

    public static DocumentSplit none() {
        return new DocumentSplit(0, 0);
    }

    public boolean isHeldOut(long documentIndex) {
        return unit(mix(seed ^ mix(documentIndex + 0x9E3779B97F4A7C15L))) < heldOutFraction;
    }

    public boolean keeps(Part part, long documentIndex) {
        return switch (part) {
            case ALL -> true;
            case TRAIN -> !isHeldOut(documentIndex);
            case HELD_OUT -> isHeldOut(documentIndex);
        };
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
