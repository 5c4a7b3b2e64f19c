package org.isaerft.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdict statistics against hand-computed values. */
class StatsTest {
    @Test
    void signFlipIsExact() {
        // all positive: only the all-plus and all-minus patterns reach |sum| = 6 → 2/8
        assertThat(Stats.signFlipP(List.of(1.0, 2.0, 3.0))).isEqualTo(0.25);
        // {1, -1}: sums ±0 and ±2 → |sum| >= 0 for all 4 patterns
        assertThat(Stats.signFlipP(List.of(1.0, -1.0))).isEqualTo(1.0);
        assertThatThrownBy(() -> Stats.signFlipP(List.of())).isInstanceOf(IllegalArgumentException.class);
        // 25 equal positive differences: only 2 of 2^25 patterns reach the observed |sum|, so the sampled p is (hits + 1)/(N + 1)
        // with hits ≈ 0: at most a few in 100,000
        double p = Stats.signFlipP(java.util.Collections.nCopies(25, 1.0));
        assertThat(p).isGreaterThanOrEqualTo(1.0 / (Stats.FLIPS + 1)).isLessThan(5e-5);
        // 25 differences summing to 0: every pattern reaches |sum| >= 0
        List<Double> zero = new java.util.ArrayList<>(java.util.Collections.nCopies(12, 1.0));
        zero.addAll(java.util.Collections.nCopies(12, -1.0));
        zero.add(0.0);
        assertThat(Stats.signFlipP(zero)).isEqualTo(1.0);
    }

    @Test
    void hypergeometricUpperTail() {
        // 2 special among 10, draw 2: P(both) = 1 / C(10,2) = 1/45
        assertThat(Stats.hypergeometricUpper(10, 2, 2, 2)).isCloseTo(1.0 / 45, within(1e-12));
        // P(at least 1) = 1 - C(8,2)/C(10,2) = 1 - 28/45
        assertThat(Stats.hypergeometricUpper(10, 2, 2, 1)).isCloseTo(17.0 / 45, within(1e-12));
        assertThat(Stats.hypergeometricUpper(10, 2, 2, 0)).isEqualTo(1.0);
    }

    @Test
    void taskMeanCiContainsTheMeanAndNeedsThreeCards() {
        Stats.TaskMean m = Stats.overTasks(List.of(-0.05, -0.04, -0.06, -0.05), "k").orElseThrow();
        assertThat(m.mean()).isCloseTo(-0.05, within(1e-12));
        assertThat(m.low()).isGreaterThanOrEqualTo(-0.06);
        assertThat(m.high()).isLessThanOrEqualTo(-0.04);
        assertThat(m.below(0)).isTrue();
        assertThat(Stats.overTasks(List.of(-0.05, -0.04), "k").orElseThrow().below(0)).isFalse();
        assertThat(Stats.overTasks(List.of(), "k")).isEmpty();
    }

    @Test
    void mergeFoldsIdenticalVerdicts() {
        var v = new ReportModel.Verdict("a", "no", "same");
        var merged = Findings.merge(List.of(v, new ReportModel.Verdict("b", "no", "same"), new ReportModel.Verdict("c", "no", "same"),
                new ReportModel.Verdict("d", "yes", "other")));
        assertThat(merged).hasSize(2);
        assertThat(merged.get(0).subject()).startsWith("3 rows (a; b;");
        assertThat(merged.get(1).subject()).isEqualTo("d");
    }
}
