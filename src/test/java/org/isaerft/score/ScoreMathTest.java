package org.isaerft.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.isaerft.activations.LatentId;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Usage;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;

class ScoreMathTest {
    @Test
    void pearsonOfProportionalPredictionsIsOneAndConstantIsUndefined() {
        double[] truth = {0, 3, 1.5, 0, 6, 0.25};
        double[] perfect = Arrays.stream(truth).map(v -> 0.5 * v).toArray(); // proportional
        assertThat(ScoreMath.pearson(perfect, truth).getAsDouble()).isCloseTo(1.0, within(1e-12));
        double[] anti = Arrays.stream(truth).map(v -> 10 - v).toArray();
        assertThat(ScoreMath.pearson(anti, truth).getAsDouble()).isCloseTo(-1.0, within(1e-12));
        assertThat(ScoreMath.pearson(new double[] {3, 3, 3, 3, 3, 3}, truth)).isEmpty();
        assertThat(ScoreMath.pearson(truth, new double[] {0, 0, 0, 0, 0, 0})).isEmpty();
        // x = 1,2,3 ; y = 1,3,2: sxy = (-1)(-1)+0+(1)(0) = 1, sxx = syy = 2 -> r = 0.5
        assertThat(ScoreMath.pearson(new double[] {1, 2, 3}, new double[] {1, 3, 2}).getAsDouble()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void aurocCountsTiesAsHalf() {
        // positives {0.9, 0.8, 0.4, 0.2}, negatives {0.6, 0.3, 0.1, 0.2}:
        // 0.9 and 0.8 beat all 4 (8); 0.4 beats 0.3, 0.1, 0.2 (3); 0.2 beats 0.1 and ties 0.2 (1.5) -> 12.5 / 16
        double[] s = {0.9, 0.8, 0.4, 0.2, 0.6, 0.3, 0.1, 0.2};
        boolean[] y = {true, true, true, true, false, false, false, false};
        assertThat(ScoreMath.auroc(s, y).getAsDouble()).isCloseTo(0.78125, within(1e-12));
        assertThat(ScoreMath.auroc(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false}).getAsDouble()).isEqualTo(0.5);
        assertThat(ScoreMath.auroc(new double[] {1, 2}, new boolean[] {true, true})).isEmpty();
    }

    @Test
    void confusionMetrics() {
        // TP=2 FN=2 FP=1 TN=3
        boolean[] y = {true, true, true, true, false, false, false, false};
        boolean[] p = {true, true, false, false, true, false, false, false};
        ScoreMath.Confusion c = ScoreMath.Confusion.of(p, y);
        assertThat(c).isEqualTo(new ScoreMath.Confusion(2, 1, 3, 2));
        assertThat(c.balancedAccuracy().getAsDouble()).isCloseTo(0.625, within(1e-12)); // (2/4 + 3/4) / 2
        assertThat(c.f1().getAsDouble()).isCloseTo(4.0 / 7.0, within(1e-12)); // 2*2 / (4 + 1 + 2)
        assertThat(c.accuracy().getAsDouble()).isCloseTo(0.625, within(1e-12));
        assertThat(ScoreMath.Confusion.of(new boolean[] {false, false}, new boolean[] {false, false}).balancedAccuracy()).isEmpty();
        assertThat(ScoreMath.Confusion.of(new boolean[] {false, false}, new boolean[] {false, false}).f1()).isEmpty();
    }

    @Test
    void bootstrapIsDeterministicForASeedAndContainsTheMean() {
        double[] v = {0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4};
        ScoreMath.Interval a = ScoreMath.bootstrapMeanCi(v, 1000, 42).orElseThrow();
        ScoreMath.Interval b = ScoreMath.bootstrapMeanCi(v, 1000, 42).orElseThrow();
        ScoreMath.Interval c = ScoreMath.bootstrapMeanCi(v, 1000, 43).orElseThrow();
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(a.contains(ScoreMath.mean(v))).isTrue();
        // the CI of a mean of 8 values in [0.1, 0.9] is narrower than their range and inside it
        assertThat(a.low()).isGreaterThan(0.1);
        assertThat(a.high()).isLessThan(0.9);
        assertThat(ScoreMath.bootstrapMeanCi(new double[] {0.3}, 100, 1).orElseThrow()).isEqualTo(new ScoreMath.Interval(0.3, 0.3));
    }

    @Test
    void derangementMovesEveryElementAndIsSeeded() {
        for (int n = 2; n < 30; n++) {
            int[] p = ScoreMath.derangement(n, n * 7L);
            assertThat(Arrays.stream(p).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
            for (int i = 0; i < n; i++) {
                assertThat(p[i]).isNotEqualTo(i);
            }
            assertThat(ScoreMath.derangement(n, n * 7L)).isEqualTo(p);
        }
    }

    @Test
    void aggregateExcludesUndefinedFromTheMeanAndCountsReasons() {
        Score.ExplanationRef ref = Score.ExplanationRef.of(TestRecords.explanation(TestRecords.id(0), "x"));
        LatentId id = TestRecords.id(0);
        List<Score> scores = List.of(
                Score.defined(id, ref, "simulation", 0.8, null, null, null, null),
                Score.defined(id, ref, "simulation", 0.4, null, null, null, null),
                Score.undefined(id, ref, "simulation", new Score.Undefined(Score.Reason.CONSTANT_PREDICTION, "flat"), null, null, null, null),
                Score.undefined(id, ref, "simulation", new Score.Undefined(Score.Reason.CONSTANT_PREDICTION, "flat"), null, null, null, null),
                Score.undefined(id, ref, "simulation", new Score.Undefined(Score.Reason.LLM_ERROR, "503"), null, null, null, null));
        ScoreSummary.Aggregate a = ScoreSummary.Aggregate.of(scores, 200, 1);
        assertThat(a.mean()).isCloseTo(0.6, within(1e-12)); // not (0.8+0.4+0+0+0)/5
        assertThat(a.nDefined()).isEqualTo(2);
        assertThat(a.nUndefined()).isEqualTo(3);
        assertThat(a.undefinedReasons()).containsEntry("constant_prediction", 2).containsEntry("llm_error", 1);
        assertThat(a.ci95().contains(0.6)).isTrue();
    }

    @Test
    void scoreRoundTripsThroughJsonAndRejectsNaN() throws Exception {
        LatentId id = TestRecords.id(3);
        Explanation e = TestRecords.explanation(TestRecords.id(4), "dogs");
        java.util.Map<String, Double> m = new java.util.HashMap<>();
        m.put("auroc", null);
        m.put("n_items", 4.0);
        Score s = Score.undefined(id, Score.ExplanationRef.of(e), "detection",
                new Score.Undefined(Score.Reason.SINGLE_CLASS, "all negatives"), m,
                List.of(new Score.ExampleDetail("top:0", true, false, 0.25, null, new int[] {1}, null, null)),
                new Score.PromptRef("score/detection", "1", "abc"), new Usage(3, 4, 0));
        String line = Json.line(s);
        assertThat(line).contains("\"undefined\":{\"reason\":\"single_class\"").contains("\"baseline\":\"shuffled\"")
                .contains("\"schema_version\":1").doesNotContain("NaN");
        Score back = Json.MAPPER.readValue(line, Score.class);
        assertThat(back.undefined()).isEqualTo(s.undefined());
        assertThat(back.metrics()).containsEntry("auroc", null).containsEntry("n_items", 4.0);
        assertThat(back.baseline()).isEqualTo(Score.BASELINE_SHUFFLED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Score.defined(id, Score.ExplanationRef.of(e), "x", Double.NaN, null,
                null, null, null)).hasMessageContaining("explicit undefined");
    }
}
