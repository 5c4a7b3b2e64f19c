package org.isaerft.score;

import java.util.List;
import java.util.Optional;
import org.isaerft.llm.TokenLogprobs;

/**
 * Reads a distribution over small integer answers ("0".."10", or "0"/"1") at a character position
 * of an LLM answer from the per-token top log-probabilities.
 *
 * <p>The answer text is the concatenation of the returned tokens, so character offsets found by
 * parsing that text map to the token that covers them. When the number starts inside a token
 * (e.g. the token is {@code "\t7"}), alternatives are read after the same prefix
 * ({@code "\t3"} → 3); whitespace around candidates is ignored. Probabilities are renormalised
 * over the candidates that parse to an allowed value, as in Bills et al. (2023).
 */
public final class LogprobReader {
    private final List<TokenLogprobs> tokens;
    private final int[] starts;
    private final String text;

    public LogprobReader(List<TokenLogprobs> tokens) {
        this.tokens = List.copyOf(tokens);
        this.starts = new int[tokens.size()];
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            starts[i] = sb.length();
            sb.append(tokens.get(i).token());
        }
        this.text = sb.toString();
    }

    /** The answer as the concatenation of its tokens (the text offsets refer to). */
    public String text() {
        return text;
    }

    /**
     * Normalised probabilities of the values {@code 0..maxValue} at {@code offset}, or empty when no
     * token covers the offset or none of its top alternatives is an allowed value.
     */
    public Optional<double[]> distributionAt(int offset, int maxValue) {
        int t = tokenAt(offset);
        if (t < 0) {
            return Optional.empty();
        }
        TokenLogprobs tok = tokens.get(t);
        String prefix = tok.token().substring(0, offset - starts[t]);
        double[] p = new double[maxValue + 1];
        double total = 0;
        List<TokenLogprobs.Alternative> alts = tok.top().isEmpty()
                ? List.of(new TokenLogprobs.Alternative(tok.token(), tok.logprob()))
                : tok.top();
        for (TokenLogprobs.Alternative a : alts) {
            if (a.token() == null || !a.token().startsWith(prefix) || !Double.isFinite(a.logprob())) {
                continue;
            }
            String cand = a.token().substring(prefix.length()).strip();
            if (cand.isEmpty() || cand.length() > 2 || !cand.chars().allMatch(Character::isDigit)) {
                continue;
            }
            int v = Integer.parseInt(cand);
            if (v > maxValue) {
                continue;
            }
            double prob = Math.exp(a.logprob());
            p[v] += prob;
            total += prob;
        }
        if (!(total > 0)) {
            return Optional.empty();
        }
        for (int v = 0; v <= maxValue; v++) {
            p[v] /= total;
        }
        return Optional.of(p);
    }

    /** Expected value Σ v·p(v) at {@code offset} over values 0..maxValue. */
    public Optional<Double> expectedValueAt(int offset, int maxValue) {
        return distributionAt(offset, maxValue).map(p -> {
            double ev = 0;
            for (int v = 0; v < p.length; v++) {
                ev += v * p[v];
            }
            return ev;
        });
    }

    private int tokenAt(int offset) {
        if (offset < 0 || offset >= text.length()) {
            return -1;
        }
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo; // the last token starting at or before offset: never an empty one, since offset < text length
    }
}
