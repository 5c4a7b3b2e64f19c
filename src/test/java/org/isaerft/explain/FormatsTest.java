package org.isaerft.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.junit.jupiter.api.Test;

/** The OpenAI and Delphi example formats, the answer parsers and the log-odds statistic, against hand-worked values. */
class FormatsTest {
    static Shown shown(List<String> toks, double... acts) {
        return Shown.of(Records.top(toks, acts), 0);
    }

    @Test
    void oaiScalingIsMinTenFloorTenReluOverMax() {
        assertThat(OaiFormat.scale(4.0f, 4.0)).isEqualTo(10);
        assertThat(OaiFormat.scale(3.99f, 4.0)).isEqualTo(9);
        assertThat(OaiFormat.scale(0.4f, 4.0)).isEqualTo(1);
        assertThat(OaiFormat.scale(0.39f, 4.0)).isEqualTo(0);
        assertThat(OaiFormat.scale(-2f, 4.0)).isEqualTo(0);
        assertThat(OaiFormat.scale(9f, 4.0)).isEqualTo(10);
        assertThatThrownBy(() -> OaiFormat.scale(1f, 0)).hasMessageContaining("positive max");
    }

    @Test
    void oaiRecordsAndSparseRepeat() {
        Shown a = shown(List.of("The", " dog", "\tx"), 0, 2.0, 0.5);
        // max over shown = 2.0: " dog" 10, "\tx" floor(2.5) = 2; tab escaped
        assertThat(OaiFormat.record(a, 2.0, false)).isEqualTo("<start>\nThe\t0\n dog\t10\n\\tx\t2\n<end>\n");
        assertThat(OaiFormat.record(a, 2.0, true)).isEqualTo("<start>\n dog\t10\n\\tx\t2\n<end>\n");
        assertThat(OaiFormat.nonZeroProportion(List.of(a), 2.0)).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(OaiFormat.sparseRepeat(List.of(a), 2.0)).isEmpty();

        Shown b = shown(List.of("a", "b", "c", "d", "e", "f"), 0, 0, 0, 0, 0, 1.0); // 1 of 6 non-zero < 20%
        assertThat(OaiFormat.sparseRepeat(List.of(b), 1.0))
                .isEqualTo("\nSame activations, but with all zeros filtered out:\n<start>\nf\t10\n<end>\n");
        Shown c = shown(List.of("a", "b", "c", "d", "e"), 0, 0, 0, 0, 1.0); // exactly 20%: not sparse
        assertThat(OaiFormat.sparseRepeat(List.of(c), 1.0)).isEmpty();
    }

    @Test
    void delphiMarksTokensAboveThirtyPercentOfTheExampleMax() {
        Shown s = shown(List.of("a", " b", " c", " d", " e"), 0, 1.0, 0.5, 0.25, 0.9);
        // threshold 0.3: b, c marked together; d (0.25) unmarked; e marked
        assertThat(DelphiFormat.highlight(s)).isEqualTo("a<< b c>> d<< e>>");
        // normalised over the latent's shown max 2.0: ceil(10*1/2)=5, ceil(2.5)=3, ceil(4.5)=5
        assertThat(DelphiFormat.activations(s, 2.0)).isEqualTo("Activations: (\" b\", 5), (\" c\", 3), (\" e\", 5)");
        assertThat(DelphiFormat.examples(List.of(s), 2.0, true))
                .isEqualTo("Example 1: a<< b c>> d<< e>>\nActivations: (\" b\", 5), (\" c\", 3), (\" e\", 5)\n");
    }

    @Test
    void windowKeepsThePeakThreeQuartersIn() {
        Example e = Records.top(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0);
        Shown s = Shown.of(e, 8); // peak at 9: start = 9 - (8 - 2) = 3
        assertThat(s.tokens()).containsExactly("3", "4", "5", "6", "7", "8", "9", "10");
        assertThat(s.activations()[6]).isEqualTo(5f);
        assertThat(Shown.of(e, 0).tokens()).hasSize(12);
    }

    @Test
    void explainSplitNeverShowsScoreExamples() {
        LatentRecord r = Records.dog(1);
        List<Shown> shown = Shown.explainSplit(r, 100, 0);
        assertThat(shown).hasSize(6);
        assertThat(shown).allSatisfy(s -> assertThat(s.tokens()).doesNotContain("HELDOUT"));
        assertThat(ExampleRefs.refs(r, shown.stream().map(Shown::source).toList()))
                .containsExactly("top:0", "top:1", "top:2", "top:3", "top:4", "top:5");
        assertThat(ExampleRefs.of(Records.sparse(2)).values()).contains("decile:3:0");
    }

    @Test
    void delphiParser() {
        assertThat(AnswerParsers.delphi("The tokens are dog words.\n\n[EXPLANATION]: References to dogs.")).contains("References to dogs");
        assertThat(AnswerParsers.delphi("[EXPLANATION]: first\nthinking more\n[EXPLANATION]: **Dogs and puppies**"))
                .contains("Dogs and puppies");
        assertThat(AnswerParsers.delphi("References to dogs.")).isEmpty();
        assertThat(AnswerParsers.delphi("[EXPLANATION]:   ")).isEmpty();
        assertThat(AnswerParsers.delphi("[EXPLANATION]: I'm sorry, I cannot determine a pattern")).isEmpty();
    }

    @Test
    void oaiParser() {
        assertThat(AnswerParsers.oai(" mentions of dogs and puppies.")).contains("mentions of dogs and puppies");
        assertThat(AnswerParsers.oai("the main thing this neuron does is find years in dates\nmore"))
                .contains("years in dates");
        assertThat(AnswerParsers.oai("Explanation of neuron 1 behavior: the main thing this neuron does is find \"dog\"")).contains("dog");
        assertThat(AnswerParsers.oai("")).isEmpty();
        assertThat(AnswerParsers.oai("<start>\nthe\t0")).isEmpty();
        assertThat(AnswerParsers.oai("x".repeat(400))).isEmpty();
        assertThat(AnswerParsers.oai("42")).isEmpty();
    }

    @Test
    void logOddsMatchesHandWorkedValues() {
        // V = {a, b}, alpha 0.5 (alpha_0 = 1), n_f = 3, n_b = 4
        List<LogOdds.Scored> s = LogOdds.score(Map.of("a", 3L), Map.of("b", 4L), 0.5);
        assertThat(s.get(0).item()).isEqualTo("a");
        // delta_a = ln(3.5/0.5) - ln(0.5/4.5) = ln 7 + ln 9; var = 1/3.5 + 1/0.5
        assertThat(s.get(0).delta()).isCloseTo(Math.log(7) + Math.log(9), within(1e-12));
        assertThat(s.get(0).z()).isCloseTo(4.143134726391533 / Math.sqrt(1 / 3.5 + 2), within(1e-12));
        assertThat(s.get(0).z()).isCloseTo(2.740426, within(1e-6));
        // delta_b = ln(0.5/3.5) - ln(4.5/0.5); var = 1/0.5 + 1/4.5
        assertThat(s.get(1).z()).isCloseTo(-2.779299, within(1e-6));
    }
}
