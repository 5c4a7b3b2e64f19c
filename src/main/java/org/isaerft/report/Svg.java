package org.isaerft.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Small hand-written SVG charts for the report (no chart library: the bands, whiskers and reference
 * lines the findings need are a few elements each, and the output stays readable and self-contained).
 * Every text from data is escaped.
 */
public final class Svg {
    private Svg() {}

    static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1"};

    /** One bar series: values (null = no bar) and optional 95% CI whiskers. */
    public record Series(String name, List<Double> values, List<Double> low, List<Double> high) {
        public Series {
            ReportModel.require(name, "series name");
            values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
            low = low == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(low));
            high = high == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(high));
            if ((low == null) != (high == null) || low != null && (low.size() != values.size() || high.size() != values.size())) {
                throw new IllegalArgumentException("series " + name + ": CI bounds need one low and one high per value");
            }
        }

        public static Series of(String name, List<Double> values) {
            return new Series(name, values, null, null);
        }
    }

    /** Collects one value with its 95% CI per category, for a {@link Series} or a {@link Band}. */
    static final class Collect {
        private final List<Double> values = new ArrayList<>();
        private final List<Double> low = new ArrayList<>();
        private final List<Double> high = new ArrayList<>();

        /** Adds a value with the CI of a JSON {@code {low, high}} node (missing numbers become null). */
        Collect add(Double value, com.fasterxml.jackson.databind.JsonNode ci) {
            values.add(value);
            low.add(RunFolder.num(ci.path("low")));
            high.add(RunFolder.num(ci.path("high")));
            return this;
        }

        Series series(String name) {
            return new Series(name, values, low, high);
        }

        Series valuesOnly(String name) {
            return Series.of(name, values);
        }

        /** A band from the CIs, falling back to the value itself where a CI is missing. */
        Band band(String name) {
            List<Double> lo = new ArrayList<>();
            List<Double> hi = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                lo.add(low.get(i) != null ? low.get(i) : values.get(i));
                hi.add(high.get(i) != null ? high.get(i) : values.get(i));
            }
            return new Band(name, lo, hi);
        }
    }

    /**
     * A control band per category (e.g. the shuffled-description control's CI), drawn as a grey box
     * behind the bars; null entries draw none.
     */
    public record Band(String name, List<Double> low, List<Double> high) {
        public Band {
            ReportModel.require(name, "band name");
            low = java.util.Collections.unmodifiableList(new ArrayList<>(low));
            high = java.util.Collections.unmodifiableList(new ArrayList<>(high));
            if (low.size() != high.size()) {
                throw new IllegalArgumentException("band " + name + ": one low and one high per category");
            }
        }
    }

    /**
     * Grouped bars: one group per category, one bar per series, optional whiskers, an optional band per
     * category and an optional horizontal reference line (e.g. chance = 0.5).
     */
    public static String bars(String title, String yLabel, List<String> categories, List<Series> series, Band band, Double reference,
            String referenceLabel) {
        for (Series s : series) {
            if (s.values().size() != categories.size()) {
                throw new IllegalArgumentException("series " + s.name() + ": " + s.values().size() + " values for " + categories.size()
                        + " categories");
            }
        }
        List<Double> all = new ArrayList<>();
        for (Series s : series) {
            all.addAll(s.values());
            if (s.low() != null) {
                all.addAll(s.low());
                all.addAll(s.high());
            }
        }
        if (band != null) {
            all.addAll(band.low());
            all.addAll(band.high());
        }
        if (reference != null) {
            all.add(reference);
        }
        double lo = all.stream().filter(v -> v != null && Double.isFinite(v)).mapToDouble(Double::doubleValue).min().orElse(0);
        double hi = all.stream().filter(v -> v != null && Double.isFinite(v)).mapToDouble(Double::doubleValue).max().orElse(1);
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
        if (hi <= lo) {
            hi = lo + 1;
        }
        hi += (hi - lo) * 0.05;
        int groupW = Math.max(36, 14 * series.size() + 16);
        int longest = categories.stream().mapToInt(String::length).max().orElse(4);
        // labels are rotated 35° and end under their group: the first one reaches left by about 5.3 px per character
        int left = Math.max(56, (int) (longest * 5.3) - groupW / 2 + 8);
        int top = 12;
        int plotH = 220;
        int plotW = Math.max(260, groupW * categories.size());
        int legendH = 18;
        int labelH = Math.min(110, 18 + (int) (longest * 4.6));
        int w = left + plotW + 20;
        int h = top + plotH + labelH + legendH;
        Scale y = new Scale(lo, hi, top + plotH, top);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"system-ui,sans-serif\" font-size=\"11\">", w, h, w, h));
        b.append("<title>").append(esc(title)).append("</title>");
        axis(b, y, left, plotW, yLabel, top, plotH);
        double bw = (groupW - 10.0) / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double gx = left + c * groupW + 5;
            if (band != null && band.low().get(c) != null && band.high().get(c) != null) {
                double y1 = y.at(band.high().get(c));
                double y0 = y.at(band.low().get(c));
                b.append(String.format(Locale.ROOT, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#999\" "
                        + "fill-opacity=\"0.28\"><title>%s: [%s, %s]</title></rect>", gx - 3, y1, groupW - 4.0, Math.max(1.5, y0 - y1),
                        esc(band.name()), fmt(band.low().get(c)), fmt(band.high().get(c))));
            }
            for (int s = 0; s < series.size(); s++) {
                Series se = series.get(s);
                Double v = se.values().get(c);
                if (v == null || !Double.isFinite(v)) {
                    continue;
                }
                double x = gx + s * bw;
                double y0 = y.at(Math.max(lo, 0));
                double yv = y.at(v);
                b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                        + "<title>%s, %s: %s</title></rect>", x, Math.min(y0, yv), Math.max(1, bw - 2), Math.max(0.5, Math.abs(y0 - yv)),
                        PALETTE[s % PALETTE.length], esc(categories.get(c)), esc(se.name()), fmt(v)));
                if (se.low() != null && se.low().get(c) != null && se.high().get(c) != null) {
                    double cx = x + (bw - 2) / 2;
                    b.append(String.format(Locale.ROOT, "<path class=\"ci\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh%.1fM%.1f %.1fh%.1f\" stroke=\"#222\" "
                            + "fill=\"none\"/>", cx, y.at(se.low().get(c)), y.at(se.high().get(c)), cx - 3, y.at(se.low().get(c)), 6.0, cx - 3,
                            y.at(se.high().get(c)), 6.0));
                }
            }
            double lx = gx + (groupW - 10) / 2.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-35 %.1f %d)\">%s</text>", lx,
                    top + plotH + 14, lx, top + plotH + 14, esc(categories.get(c))));
        }
        if (reference != null) {
            double yr = y.at(reference);
            b.append(String.format(Locale.ROOT, "<line class=\"reference\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" "
                    + "stroke-dasharray=\"5 3\"/><text x=\"%d\" y=\"%.1f\" fill=\"#c00\" text-anchor=\"end\">%s</text>", left, left + plotW, yr,
                    yr, left + plotW, yr - 3, esc(referenceLabel == null ? "" : referenceLabel)));
        }
        List<String[]> legend = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            legend.add(new String[] {series.get(s).name(), PALETTE[s % PALETTE.length]});
        }
        if (band != null) {
            legend.add(new String[] {band.name(), "#bbb"});
        }
        legend(b, legend, left, h - 6);
        return b.append("</svg>").toString();
    }

    /** One line of a line chart: points (x, y). */
    public record Line(String name, List<double[]> points) {
        public Line {
            ReportModel.require(name, "line name");
            points = List.copyOf(points);
        }
    }

    /** A line chart (e.g. recall@k against k), with an optional reference line. */
    public static String lines(String title, String xLabel, String yLabel, List<Line> lines, Double reference, String referenceLabel) {
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymax = reference == null ? 0 : reference;
        for (Line l : lines) {
            for (double[] p : l.points()) {
                xmin = Math.min(xmin, p[0]);
                xmax = Math.max(xmax, p[0]);
                ymax = Math.max(ymax, p[1]);
            }
        }
        if (!(xmax > xmin)) {
            xmin = Double.isFinite(xmin) ? xmin - 1 : 0;
            xmax = xmin + 2;
        }
        ymax = ymax <= 0 ? 1 : ymax * 1.05;
        int left = 56;
        int top = 12;
        int plotW = 420;
        int plotH = 220;
        int w = left + plotW + 20;
        int h = top + plotH + 40 + 18;
        Scale y = new Scale(0, ymax, top + plotH, top);
        Scale x = new Scale(xmin, xmax, left, left + plotW);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" font-family=\"system-ui,sans-serif\" font-size=\"11\">", w, h, w, h));
        b.append("<title>").append(esc(title)).append("</title>");
        axis(b, y, left, plotW, yLabel, top, plotH);
        for (double t : ticks(xmin, xmax)) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x.at(t), top + plotH + 14, fmt(t)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", left + plotW / 2, top + plotH + 32,
                esc(xLabel)));
        List<String[]> legend = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            String col = PALETTE[i % PALETTE.length];
            StringBuilder d = new StringBuilder();
            for (double[] p : l.points()) {
                d.append(d.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f", x.at(p[0]), y.at(p[1])));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %s at %s</title></circle>",
                        x.at(p[0]), y.at(p[1]), col, esc(l.name()), fmt(p[1]), fmt(p[0])));
            }
            b.append("<path class=\"line\" d=\"").append(d).append("\" stroke=\"").append(col).append("\" stroke-width=\"2\" fill=\"none\"/>");
            legend.add(new String[] {l.name(), col});
        }
        if (reference != null) {
            double yr = y.at(reference);
            b.append(String.format(Locale.ROOT, "<line class=\"reference\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" "
                    + "stroke-dasharray=\"5 3\"/><text x=\"%d\" y=\"%.1f\" fill=\"#c00\" text-anchor=\"end\">%s</text>", left, left + plotW, yr,
                    yr, left + plotW, yr - 3, esc(referenceLabel == null ? "" : referenceLabel)));
        }
        legend(b, legend, left, h - 6);
        return b.append("</svg>").toString();
    }

    private static void axis(StringBuilder b, Scale y, int left, int plotW, String yLabel, int top, int plotH) {
        for (double t : ticks(y.lo, y.hi)) {
            double yy = y.at(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", left, left + plotW, yy, yy, left - 4, yy + 4, fmt(t)));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#444\"/>", left, left, top, top + plotH));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", left, left + plotW,
                y.at(Math.max(y.lo, 0)), y.at(Math.max(y.lo, 0))));
        int lx = Math.max(14, left - 42);
        b.append(String.format(Locale.ROOT, "<text transform=\"rotate(-90 %d %d)\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                lx, top + plotH / 2, lx, top + plotH / 2, esc(yLabel)));
    }

    private static void legend(StringBuilder b, List<String[]> items, int x0, int y) {
        double x = x0;
        for (String[] it : items) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%s</text>",
                    x, y - 9, it[1], x + 14, y, esc(it[0])));
            x += 24 + 6.5 * it[0].length();
        }
    }

    /** About five round tick values covering [lo, hi]. */
    static List<Double> ticks(double lo, double hi) {
        double span = hi - lo;
        double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (span / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
            out.add(Math.abs(t) < 1e-12 ? 0.0 : t);
        }
        return out;
    }

    private record Scale(double lo, double hi, double p0, double p1) {
        double at(double v) {
            return p0 + (v - lo) / (hi - lo) * (p1 - p0);
        }
    }

    /** A short number: 3 significant digits, trailing zeros dropped, a real minus sign. */
    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%.3g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceFirst("0+$", "").replaceFirst("\\.$", "");
        }
        return s.startsWith("-") ? "\u2212" + s.substring(1) : s;
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
