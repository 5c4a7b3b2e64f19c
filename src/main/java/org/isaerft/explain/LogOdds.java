package org.isaerft.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Log-odds ratio with a Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words") with a
 * uniform prior {@code alpha} per item: for an item w with counts y_f (foreground) and y_b
 * (background) out of n_f and n_b, and alpha_0 = alpha·|V|,
 * <pre>
 *   delta = log((y_f+alpha)/(n_f+alpha_0-y_f-alpha)) - log((y_b+alpha)/(n_b+alpha_0-y_b-alpha))
 *   var   = 1/(y_f+alpha) + 1/(y_b+alpha)
 *   z     = delta / sqrt(var)
 * </pre>
 * A positive z means w is over-represented in the foreground.
 */
public final class LogOdds {
    private LogOdds() {}

    /** One item's statistics. */
    public record Scored(String item, long foreground, long background, double delta, double z) {}

    public static List<Scored> score(Map<String, Long> fg, Map<String, Long> bg, double alpha) {
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("log-odds prior alpha must be > 0, found " + alpha);
        }
        Set<String> vocab = new HashSet<>(fg.keySet());
        vocab.addAll(bg.keySet());
        double a0 = alpha * vocab.size();
        long nf = fg.values().stream().mapToLong(Long::longValue).sum();
        long nb = bg.values().stream().mapToLong(Long::longValue).sum();
        List<Scored> out = new ArrayList<>();
        for (String w : vocab) {
            long yf = fg.getOrDefault(w, 0L);
            long yb = bg.getOrDefault(w, 0L);
            double delta = Math.log((yf + alpha) / (nf + a0 - yf - alpha)) - Math.log((yb + alpha) / (nb + a0 - yb - alpha));
            double var = 1.0 / (yf + alpha) + 1.0 / (yb + alpha);
            out.add(new Scored(w, yf, yb, delta, delta / Math.sqrt(var)));
        }
        out.sort(Comparator.comparingDouble((Scored s) -> -s.z()).thenComparingLong(s -> -s.foreground())
                .thenComparing(Scored::item));
        return out;
    }
}
