package org.isaerft.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.style.Styler;

/** Bar charts rendered with XChart to inline SVG (VectorGraphics2D), so the report needs no other file. */
public final class Charts {
    private Charts() {}

    /**
     * A grouped bar chart: one group per category, one bar per series.
     *
     * @param series series name → one value per category (null values are drawn as 0)
     */
    public static String barSvg(String title, String yTitle, List<String> categories, Map<String, List<Double>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(720).height(360).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setXAxisLabelRotation(20);
        for (var e : series.entrySet()) {
            List<Double> v = e.getValue().stream().map(d -> d == null ? 0.0 : d).toList();
            chart.addSeries(e.getKey(), categories, v);
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            VectorGraphicsEncoder.saveVectorGraphic(chart, bos, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render chart " + title, e);
        }
        String svg = bos.toString(StandardCharsets.UTF_8);
        int start = svg.indexOf("<svg");
        return start >= 0 ? svg.substring(start) : svg;
    }
}
