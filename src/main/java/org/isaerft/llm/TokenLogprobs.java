package org.isaerft.llm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated token with its log-probability and the most likely alternatives at its position.
 *
 * @param top alternatives, most likely first (may include the token itself)
 */
public record TokenLogprobs(String token, double logprob, List<Alternative> top) {
    public TokenLogprobs {
        if (token == null) {
            throw new IllegalArgumentException("token log-probability needs a token");
        }
        top = List.copyOf(top == null ? List.of() : top);
    }

    /** A candidate token and its log-probability. */
    public record Alternative(String token, double logprob) {}

    /** token → log-probability over the alternatives (first occurrence wins). */
    public Map<String, Double> topMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Alternative a : top) {
            m.putIfAbsent(a.token(), a.logprob());
        }
        return m;
    }
}
