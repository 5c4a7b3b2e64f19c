package org.isaerft.activations;

/**
 * What the miner keeps per latent. Two mining runs can only be merged when their configs are equal.
 *
 * @param topK          top-activating windows kept per latent (default 20)
 * @param window        tokens per example window (default 32); also the chunk size: each aligned chunk of
 *                      {@code window} tokens of a sequence yields at most one candidate per latent (its peak)
 * @param perDecile     examples per activation decile (default 4); also the sample size kept per fixed histogram bin
 * @param nRandom       non-activating windows kept per latent (default 20)
 * @param seed          seeds the sampling keys and the explain/score split
 * @param scoreFraction fraction of sequences whose examples are held out for scoring (default 0.5)
 */
public record MiningConfig(int topK, int window, int perDecile, int nRandom, long seed, double scoreFraction) {
    public static final MiningConfig DEFAULT = new MiningConfig(20, 32, 4, 20, 0L, 0.5);

    public MiningConfig {
        if (topK < 1) {
            throw new IllegalArgumentException("mining: k (top examples per latent) must be >= 1, found " + topK);
        }
        if (window < 2) {
            throw new IllegalArgumentException("mining: window must be >= 2 tokens, found " + window);
        }
        if (perDecile < 0 || nRandom < 0) {
            throw new IllegalArgumentException("mining: per_decile and n_random must be >= 0, found " + perDecile + ", " + nRandom);
        }
        if (!(scoreFraction >= 0 && scoreFraction <= 1)) {
            throw new IllegalArgumentException("mining: score_fraction must be within [0, 1], found " + scoreFraction);
        }
    }

    public MiningConfig withTopK(int k) {
        return new MiningConfig(k, window, perDecile, nRandom, seed, scoreFraction);
    }

    public MiningConfig withWindow(int w) {
        return new MiningConfig(topK, w, perDecile, nRandom, seed, scoreFraction);
    }

    public MiningConfig withPerDecile(int d) {
        return new MiningConfig(topK, window, d, nRandom, seed, scoreFraction);
    }

    public MiningConfig withRandom(int r) {
        return new MiningConfig(topK, window, perDecile, r, seed, scoreFraction);
    }

    public MiningConfig withSeed(long s) {
        return new MiningConfig(topK, window, perDecile, nRandom, s, scoreFraction);
    }

    public MiningConfig withScoreFraction(double f) {
        return new MiningConfig(topK, window, perDecile, nRandom, seed, f);
    }

    /** Tokens of context kept before the peak in a window (the peak sits at this index when the sequence allows). */
    public int before() {
        return Math.max(0, (3 * window) / 4 - 1);
    }

    /** The split of every example taken from the sequence starting at {@code sequenceOffset} of {@code document}. */
    public String split(long document, int sequenceOffset) {
        long h = Keys.hash(seed ^ Keys.SPLIT_SALT, document, sequenceOffset, 0);
        double u = (h >>> 11) * 0x1.0p-53;
        return u < scoreFraction ? Example.SPLIT_SCORE : Example.SPLIT_EXPLAIN;
    }

    /** The split rule in words, for index.json. */
    public String splitRule() {
        return "per sequence: u = (splitmix64-hash(seed ^ 0x5117511751175117, document, sequence_offset, 0) >>> 11) / 2^53; "
                + "'score' if u < score_fraction else 'explain'; all examples of one sequence share a split, so explain "
                + "and score windows never overlap";
    }
}
