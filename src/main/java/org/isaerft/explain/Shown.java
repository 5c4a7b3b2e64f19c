package org.isaerft.explain;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;

/**
 * An example as an explainer shows it: possibly cut to a window around its strongest token.
 *
 * @param source the record's example this was cut from
 */
public record Shown(Example source, List<String> tokens, float[] activations) {
    public Shown {
        tokens = List.copyOf(tokens);
        if (tokens.size() != activations.length) {
            throw new IllegalArgumentException("shown example: " + tokens.size() + " tokens but " + activations.length + " activations");
        }
    }

    /**
     * Cuts {@code e} to at most {@code window} tokens with its strongest token three quarters of the
     * way in (context before a token matters more than after); {@code window <= 0} keeps it whole.
     */
    public static Shown of(Example e, int window) {
        int n = e.tokens().size();
        if (window <= 0 || n <= window) {
            return new Shown(e, e.tokens(), e.activations().clone());
        }
        int peak = e.argMax();
        int start = Math.max(0, Math.min(peak - (window - Math.max(1, window / 4)), n - window));
        return new Shown(e, e.tokens().subList(start, start + window), Arrays.copyOfRange(e.activations(), start, start + window));
    }

    public float max() {
        float m = 0;
        for (float a : activations) {
            m = Math.max(m, a);
        }
        return m;
    }

    /**
     * The activating examples of the explain split, top examples first then decile examples, at most
     * {@code maxExamples} (<= 0: all), each cut to {@code window} tokens.
     */
    public static List<Shown> explainSplit(LatentRecord r, int maxExamples, int window) {
        List<Shown> out = new ArrayList<>();
        for (Example e : r.activating(Example.SPLIT_EXPLAIN)) {
            if (maxExamples > 0 && out.size() >= maxExamples) {
                break;
            }
            out.add(of(e, window));
        }
        return out;
    }

    /** A token made safe for one-line formats: tab, newline and carriage return escaped. */
    public static String display(String token) {
        return token.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }
}
