package org.isaerft.activations;

import java.util.List;

/**
 * One window of text with the latent's activation at every token.
 *
 * @param tokenIds    token ids of the window
 * @param tokens      display strings of those tokens (same length)
 * @param activations the latent's activation at each token (same length)
 * @param document    index of the source document in the corpus
 * @param offset      token offset of the window's first token in that document
 * @param split       {@code explain} (shown to explainers) or {@code score} (held out for scoring)
 * @param kind        {@code top}, {@code decile} or {@code random} (non-activating)
 * @param decile      activation decile 0..9 for {@code decile} examples (9 = highest), else -1
 */
public record Example(
        int[] tokenIds,
        List<String> tokens,
        float[] activations,
        long document,
        int offset,
        String split,
        String kind,
        int decile) {
    public static final String SPLIT_EXPLAIN = "explain";
    public static final String SPLIT_SCORE = "score";
    public static final String KIND_TOP = "top";
    public static final String KIND_DECILE = "decile";
    public static final String KIND_RANDOM = "random";

    public Example {
        if (tokenIds == null || tokens == null || activations == null) {
            throw new IllegalArgumentException("example needs token_ids, tokens and activations");
        }
        if (tokenIds.length != tokens.size() || tokenIds.length != activations.length) {
            throw new IllegalArgumentException("example lengths differ: token_ids " + tokenIds.length + ", tokens " + tokens.size()
                    + ", activations " + activations.length);
        }
        if (!SPLIT_EXPLAIN.equals(split) && !SPLIT_SCORE.equals(split)) {
            throw new IllegalArgumentException("example split must be 'explain' or 'score', found '" + split + "'");
        }
        if (!KIND_TOP.equals(kind) && !KIND_DECILE.equals(kind) && !KIND_RANDOM.equals(kind)) {
            throw new IllegalArgumentException("example kind must be top, decile or random, found '" + kind + "'");
        }
        if (decile < -1 || decile > 9) {
            throw new IllegalArgumentException("decile must be -1..9, found " + decile);
        }
        tokens = List.copyOf(tokens);
    }

    public float maxActivation() {
        float m = Float.NEGATIVE_INFINITY;
        for (float a : activations) {
            m = Math.max(m, a);
        }
        return activations.length == 0 ? 0f : m;
    }

    public int argMax() {
        int best = 0;
        for (int i = 1; i < activations.length; i++) {
            if (activations[i] > activations[best]) {
                best = i;
            }
        }
        return best;
    }

    public String text() {
        return String.join("", tokens);
    }

    public Example withSplit(String newSplit) {
        return new Example(tokenIds, tokens, activations, document, offset, newSplit, kind, decile);
    }
}
