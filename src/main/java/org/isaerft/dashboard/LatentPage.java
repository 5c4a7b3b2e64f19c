package org.isaerft.dashboard;

import java.util.List;
import java.util.Locale;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.activations.LogitLens;
import org.isaerft.explain.Explanation;

/** One latent's page: stats, explanations, scores, histogram, logit lens and every example window. */
final class LatentPage {
    private LatentPage() {}

    static String render(LatentRecord r, List<Explanation> expl, List<Dashboard.ScoreView> scores, Double change) {
        LatentStats st = r.stats();
        StringBuilder b = new StringBuilder(32_768);
        String id = Html.esc(r.id().toString());
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(id).append("</title><style>")
                .append(Dashboard.CSS).append("</style></head><body>\n<p><a href=\"../index.html\">&larr; all latents</a></p>\n");
        b.append("<h1>").append(id).append(r.dead() ? " <small>(dead: never fired)</small>" : "").append("</h1>\n");
        b.append("<table class=\"stats\"><tr><th>frequency</th><td class=\"n\">").append(Html.num(st.frequency()))
                .append("</td></tr><tr><th>firing / tokens</th><td class=\"n\">").append(st.nFiring()).append(" / ").append(st.nTokens())
                .append("</td></tr><tr><th>max activation</th><td class=\"n\">").append(Html.num(st.maxActivation()))
                .append("</td></tr><tr><th>mean activation (firing)</th><td class=\"n\">").append(Html.num(st.meanActivation()))
                .append("</td></tr>");
        if (change != null) {
            b.append("<tr><th>adapter change</th><td class=\"n\">").append(Html.num(change)).append("</td></tr>");
        }
        b.append("</table>\n");
        if (!expl.isEmpty()) {
            b.append("<h2>Explanations</h2>\n");
            for (Explanation e : expl) {
                b.append("<div class=\"expl\"><div>").append(Html.esc(e.description())).append("</div><div class=\"meta\">")
                        .append(Html.esc(e.method())).append("</div></div>\n");
            }
        }
        if (!scores.isEmpty()) {
            b.append("<h2>Scores</h2>\n<table class=\"scores\"><tr><th>scorer</th><th>baseline</th><th>value</th></tr>\n");
            for (Dashboard.ScoreView s : scores) {
                b.append("<tr><td>").append(Html.esc(s.scorer())).append("</td><td>").append(Html.esc(s.baseline())).append("</td><td>")
                        .append(s.value() != null ? Html.num(s.value()) : "undefined: " + Html.esc(s.undefinedReason()))
                        .append("</td></tr>\n");
            }
            b.append("</table>\n");
        }
        b.append("<h2>Activation histogram (firing tokens)</h2>\n").append(histogram(st)).append('\n');
        if (r.logitLens() != null) {
            b.append("<h2>Logit lens</h2>\n");
            lens(b, "promoted", r.logitLens().top());
            lens(b, "suppressed", r.logitLens().bottom());
        }
        float scale = (float) (st.maxActivation() > 0 ? st.maxActivation() : 1.0);
        b.append("<h2>Top examples</h2>\n<div class=\"group\" data-kind=\"top\">\n");
        for (Example e : r.topExamples()) {
            example(b, e, scale);
        }
        b.append("</div>\n<h2>Examples by activation decile</h2>\n");
        for (int d = 9; d >= 0; d--) {
            final int dd = d;
            List<Example> l = r.decileExamples().stream().filter(e -> e.decile() == dd).toList();
            if (l.isEmpty()) {
                continue;
            }
            b.append("<h3>decile ").append(d).append(" <span class=\"meta\">(peak in [").append(Html.num(d / 10.0 * st.maxActivation()))
                    .append(", ").append(Html.num((d + 1) / 10.0 * st.maxActivation())).append(d == 9 ? "]" : ")")
                    .append(")</span></h3>\n<div class=\"group\" data-kind=\"decile\" data-decile=\"").append(d).append("\">\n");
            for (Example e : l) {
                example(b, e, scale);
            }
            b.append("</div>\n");
        }
        b.append("<h2>Random non-activating examples</h2>\n<div class=\"group\" data-kind=\"random\">\n");
        for (Example e : r.randomExamples()) {
            example(b, e, scale);
        }
        b.append("</div>\n</body></html>\n");
        return b.toString();
    }

    private static void lens(StringBuilder b, String title, List<LogitLens.TokenValue> l) {
        b.append("<table class=\"lens\"><tr><th colspan=\"2\">").append(title).append("</th></tr>\n");
        for (LogitLens.TokenValue tv : l) {
            b.append("<tr><td class=\"ex\">").append(Html.esc(Html.visibleToken(tv.token()))).append("</td><td class=\"n\">")
                    .append(Html.num(tv.value())).append("</td></tr>\n");
        }
        b.append("</table>\n");
    }

    /** One window: every token as a span whose background encodes its activation and whose title is the exact value. */
    static void example(StringBuilder b, Example e, float scale) {
        int peak = e.argMax();
        b.append("<div class=\"ex\" data-split=\"").append(e.split()).append("\" data-kind=\"").append(e.kind()).append("\">")
                .append("<div class=\"exhead\">document ").append(e.document()).append(" · offset ").append(e.offset())
                .append(" · max ").append(Html.num(e.maxActivation())).append(" · <span class=\"split-").append(e.split()).append("\">")
                .append(e.split()).append("</span></div>");
        float[] acts = e.activations();
        for (int i = 0; i < acts.length; i++) {
            float a = acts[i];
            b.append("<span class=\"tok").append(i == peak && a > 0 ? " peak" : "").append("\" title=\"").append(Float.toString(a))
                    .append("\"").append(colour(a, scale)).append('>').append(Html.esc(Html.visibleToken(e.tokens().get(i))))
                    .append("</span>");
        }
        b.append("</div>\n");
    }

    private static String colour(float a, float scale) {
        if (a == 0f) {
            return "";
        }
        double alpha = Math.min(1.0, Math.abs(a) / scale);
        String rgb = a > 0 ? "255,120,0" : "40,110,255";
        return String.format(Locale.ROOT, " style=\"background:rgba(%s,%.3f)\"", rgb, 0.08 + 0.92 * alpha);
    }

    /** Inline SVG bar chart of the histogram (log-spaced bins; bar heights linear in count). */
    static String histogram(LatentStats st) {
        long[] c = st.histogramCounts();
        if (c.length == 0) {
            return "<p class=\"meta\">no firing tokens</p>";
        }
        long top = 1;
        for (long x : c) {
            top = Math.max(top, x);
        }
        int w = 640;
        int h = 160;
        int pad = 30;
        double bw = (double) (w - 2 * pad) / c.length;
        StringBuilder b = new StringBuilder();
        b.append("<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h + 30)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h + 30).append("\">");
        double[] e = st.histogramEdges();
        for (int i = 0; i < c.length; i++) {
            double bh = (h - 10) * (double) c[i] / top;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e07020\">", pad + i * bw,
                    h - bh, Math.max(0.5, bw - 1), bh));
            b.append("<title>[").append(Html.num(e[i])).append(", ").append(Html.num(e[i + 1])).append("): ").append(c[i])
                    .append("</title></rect>");
        }
        b.append("<line x1=\"").append(pad).append("\" y1=\"").append(h).append("\" x2=\"").append(w - pad).append("\" y2=\"").append(h)
                .append("\" stroke=\"#444\"/>");
        int labels = Math.min(c.length, 6);
        for (int k = 0; k <= labels; k++) {
            int i = (int) Math.round((double) k * c.length / labels);
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", pad + i * bw,
                    h + 14, Html.num(e[i])));
        }
        b.append("<text x=\"").append(pad).append("\" y=\"10\" font-size=\"10\">max count ").append(top).append("</text></svg>");
        return b.toString();
    }
}
