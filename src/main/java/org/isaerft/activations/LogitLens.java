package org.isaerft.activations;

import java.util.List;

/** Tokens a latent's decoder direction promotes (top) and suppresses (bottom) through the unembedding. */
public record LogitLens(List<TokenValue> top, List<TokenValue> bottom) {
    public LogitLens {
        top = List.copyOf(top);
        bottom = List.copyOf(bottom);
    }

    public record TokenValue(int tokenId, String token, double value) {}
}
