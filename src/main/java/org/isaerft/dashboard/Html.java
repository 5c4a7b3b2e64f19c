package org.isaerft.dashboard;

import java.util.Locale;

/** Small HTML helpers: escaping and number formatting. Everything from data goes through {@link #esc}. */
final class Html {
    private Html() {}

    /** Escapes text for element content and double- or single-quoted attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A number for display: 4 significant digits, plain for moderate magnitudes. */
    static String num(double v) {
        if (v == 0) {
            return "0";
        }
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            return String.format(Locale.ROOT, "%.4g", v).replaceFirst("(\\.\\d*?)0+$", "$1").replaceFirst("\\.$", "");
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** How a token is shown: newlines and tabs made visible, nothing else changed (escape separately). */
    static String visibleToken(String t) {
        return t.replace("\r", "\\r").replace("\n", "\u21b5").replace("\t", "\u21e5");
    }
}
