package org.isaerft.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/** The hand-written SVG charts, parsed back. */
class SvgTest {
    static Element parse(String svg) {
        return Jsoup.parse("<html><body>" + svg + "</body></html>").selectFirst("svg");
    }

    @Test
    void barsDrawOneBarPerValueWhiskersBandsAndEscapeLabels() {
        String svg = Svg.bars("t <script>", "y", List.of("a<b>", "c"),
                List.of(new Svg.Series("s1", Arrays.asList(0.5, null), Arrays.asList(0.4, null), Arrays.asList(0.6, null)),
                        Svg.Series.of("s2", List.of(-0.2, 0.1))),
                new Svg.Band("band", Arrays.asList(0.45, null), Arrays.asList(0.55, null)), 0.5, "chance");
        Element e = parse(svg);
        assertThat(e.select("script")).isEmpty();
        assertThat(e.select("b")).isEmpty();
        assertThat(e.select("title").first().text()).isEqualTo("t <script>");
        assertThat(e.select("rect.bar")).hasSize(3); // the null value draws no bar
        assertThat(e.select("path.ci")).hasSize(1);
        assertThat(e.select("rect.band")).hasSize(1);
        assertThat(e.select("line.reference")).hasSize(1);
        assertThat(e.select("text").eachText()).contains("a<b>", "chance");
        assertThatThrownBy(() -> Svg.bars("t", "y", List.of("a", "b"), List.of(Svg.Series.of("s", List.of(1.0))), null, null, null))
                .hasMessageContaining("1 values for 2 categories");
    }

    @Test
    void negativeBarsHangBelowTheZeroLine() {
        Element e = parse(Svg.bars("t", "y", List.of("a", "b"), List.of(Svg.Series.of("s", List.of(-1.0, 1.0))), null, null, null));
        var bars = e.select("rect.bar");
        double yNeg = Double.parseDouble(bars.get(0).attr("y"));
        double yPos = Double.parseDouble(bars.get(1).attr("y"));
        double hPos = Double.parseDouble(bars.get(1).attr("height"));
        // the negative bar starts where the positive bar ends: at zero
        assertThat(yNeg).isCloseTo(yPos + hPos, org.assertj.core.api.Assertions.within(0.11));
    }

    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertThat(Svg.ticks(0, 1).stream().map(Svg::fmt)).containsExactly("0", "0.2", "0.4", "0.6", "0.8", "1");
        assertThat(Svg.ticks(-0.06, 0.01).stream().map(Svg::fmt)).containsExactly("\u22120.06", "\u22120.04", "\u22120.02", "0");
        assertThat(Svg.fmt(-0.06)).isEqualTo("\u22120.06");
        assertThat(Svg.fmt(0.08)).isEqualTo("0.08");
    }
}
