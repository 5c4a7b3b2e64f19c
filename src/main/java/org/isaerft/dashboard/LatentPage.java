package org.isaerft.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.activations.LogitLens;
import org.isaerft.explain.Explanation;

/** One latent's page: stats, explanations, scores, histogram, logit lens and every example window (template {@code dashboard/latent.html.mustache}). */
final class LatentPage {
    private LatentPage() {}

    static final String TEMPLATE = "dashboard/latent.html.mustache";

    /** What the template sees. */
    record View(String css, String id, boolean dead, List<Stat> stats, List<Expl> explanations, List<ScoreRow> scores, String histogram,
            List<Lens> lens, List<Group> groups) {
        public boolean hasExplanations() {
            return !explanations.isEmpty();
        }

        public boolean hasScores() {
            return !scores.isEmpty();
        }

        public boolean hasLens() {
            return !lens.isEmpty();
        }
    }

    record Stat(String name, String value) {}

    record Expl(String description, String method) {}

    record ScoreRow(String scorer, String baseline, String value) {}

    record Lens(String title, List<Tv> values) {}

    record Tv(String token, String value) {}

    /**
     * A heading and/or a group of example windows (top, one decile, random), in page order.
     *
     * @param decile the decile as text, null for top/random; {@code div} false for a heading alone
     */
    record Group(String h2, String h3, String range, String kind, String decile, boolean div, List<Ex> examples) {}

    /** One window; tokens carry their exact activation (title) and a background colour. */
    record Ex(String split, String kind, String document, String offset, String max, List<Tok> tokens) {}

    record Tok(String text, String title, boolean peak, String style) {}

    static String render(LatentRecord r, List<Explanation> expl, List<Dashboard.ScoreView> scores, Double change) {
        LatentStats st = r.stats();
        List<Stat> stats = new ArrayList<>(List.of(new Stat("frequency", Html.num(st.frequency())),
                new Stat("firing / tokens", st.nFiring() + " / " + st.nTokens()), new Stat("max activation", Html.num(st.maxActivation())),
                new Stat("mean activation (firing)", Html.num(st.meanActivation()))));
        if (change != null) {
            stats.add(new Stat("adapter change", Html.num(change)));
        }
        List<Lens> lens = new ArrayList<>();
        if (r.logitLens() != null) {
            lens.add(lens("promoted", r.logitLens().top()));
            lens.add(lens("suppressed", r.logitLens().bottom()));
        }
        float scale = (float) (st.maxActivation() > 0 ? st.maxActivation() : 1.0);
        List<Group> groups = new ArrayList<>();
        groups.add(new Group("Top examples", null, null, "top", null, true, examples(r.topExamples(), scale)));
        groups.add(new Group("Examples by activation decile", null, null, null, null, false, List.of()));
        for (int d = 9; d >= 0; d--) {
            final int dd = d;
            List<Example> l = r.decileExamples().stream().filter(e -> e.decile() == dd).toList();
            if (!l.isEmpty()) {
                groups.add(new Group(null, "decile " + d, "(peak in [" + Html.num(d / 10.0 * st.maxActivation()) + ", "
                        + Html.num((d + 1) / 10.0 * st.maxActivation()) + (d == 9 ? "]" : ")") + ")", "decile", Integer.toString(d), true,
                        examples(l, scale)));
            }
        }
        groups.add(new Group("Random non-activating examples", null, null, "random", null, true, examples(r.randomExamples(), scale)));
        View v = new View(Dashboard.CSS, r.id().toString(), r.dead(), stats, expl.stream().map(e -> new Expl(e.description(), e.method())).toList(),
                scores.stream().map(s -> new ScoreRow(s.scorer(), s.baseline(), s.value() != null ? Html.num(s.value())
                        : "undefined: " + s.undefinedReason())).toList(), histogram(st), lens, groups);
        return Templates.html(TEMPLATE, v);
    }

    private static Lens lens(String title, List<LogitLens.TokenValue> l) {
        return new Lens(title, l.stream().map(tv -> new Tv(Html.visibleToken(tv.token()), Html.num(tv.value()))).toList());
    }

    private static List<Ex> examples(List<Example> l, float scale) {
        List<Ex> out = new ArrayList<>();
        for (Example e : l) {
            int peak = e.argMax();
            float[] acts = e.activations();
            List<Tok> toks = new ArrayList<>(acts.length);
            for (int i = 0; i < acts.length; i++) {
                float a = acts[i];
                toks.add(new Tok(Html.visibleToken(e.tokens().get(i)), Float.toString(a), i == peak && a > 0, colour(a, scale)));
            }
            out.add(new Ex(e.split(), e.kind(), Long.toString(e.document()), String.valueOf(e.offset()), Html.num(e.maxActivation()), toks));
        }
        return out;
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
