package org.isaerft.explain;

import java.util.List;

/**
 * The Delphi explainer format (Paulo et al. 2024): in each example the tokens whose activation is
 * above {@code 0.3 × that example's max} are wrapped in {@code <<…>>} (consecutive ones share one
 * pair), followed by up to 10 of those tokens with their activation normalised to
 * {@code ceil(10·act/max)} (max over all shown examples).
 */
public final class DelphiFormat {
    private DelphiFormat() {}

    public static final double THRESHOLD = 0.3;
    public static final int MAX_LISTED = 10;

    public static boolean marked(Shown s, int i) {
        return s.activations()[i] > s.max() * THRESHOLD && s.activations()[i] > 0;
    }

    public static String highlight(Shown s) {
        StringBuilder sb = new StringBuilder();
        int n = s.tokens().size();
        int i = 0;
        while (i < n) {
            if (marked(s, i)) {
                sb.append("<<");
                while (i < n && marked(s, i)) {
                    sb.append(Shown.display(s.tokens().get(i)));
                    i++;
                }
                sb.append(">>");
            } else {
                sb.append(Shown.display(s.tokens().get(i)));
                i++;
            }
        }
        return sb.toString();
    }

    public static int normalise(float act, double max) {
        if (!(max > 0)) {
            throw new IllegalArgumentException("Delphi normalisation needs a positive max activation, found " + max);
        }
        return (int) Math.ceil(10 * Math.max(0, act) / max);
    }

    public static String activations(Shown s, double max) {
        StringBuilder sb = new StringBuilder("Activations:");
        int listed = 0;
        for (int i = 0; i < s.tokens().size() && listed < MAX_LISTED; i++) {
            if (marked(s, i)) {
                sb.append(listed == 0 ? " " : ", ").append("(\"").append(Shown.display(s.tokens().get(i))).append("\", ")
                        .append(normalise(s.activations()[i], max)).append(')');
                listed++;
            }
        }
        return sb.toString();
    }

    /** "Example 1: …\nActivations: …\n" for every shown example. */
    public static String examples(List<Shown> shown, double max, boolean withActivations) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shown.size(); i++) {
            sb.append("Example ").append(i + 1).append(": ").append(highlight(shown.get(i))).append('\n');
            if (withActivations) {
                sb.append(activations(shown.get(i), max)).append('\n');
            }
        }
        return sb.toString();
    }
}
