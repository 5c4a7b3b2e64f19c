package org.isaerft.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Usage;
import org.junit.jupiter.api.Test;

class JudgeScorerTest {
    private final LatentId id = TestRecords.id(1);

    /** 4 activating texts (A–D) and 4 non-activating (E–H) with scripted P(1). */
    private static final Map<String, Double> P1 = Map.of(
            "alpha one", 0.9, "bravo two", 0.8, "charlie three", 0.4, "delta four", 0.2,
            "echo five", 0.6, "foxtrot six", 0.3, "golf seven", 0.1, "hotel eight", 0.2);

    private LatentRecord scripted() {
        List<Example> top = new ArrayList<>();
        for (String t : List.of("alpha one", "bravo two", "charlie three", "delta four")) {
            top.add(TestRecords.topAbout(t, "o"));
        }
        List<Example> random = new ArrayList<>();
        for (String t : List.of("echo five", "foxtrot six", "golf seven", "hotel eight")) {
            random.add(TestRecords.random(TestRecords.words(t)));
        }
        // an explain-split example must never be judged
        top.add(TestRecords.ex(Example.SPLIT_EXPLAIN, Example.KIND_TOP, TestRecords.words("india nine"), 3f, 0f));
        return TestRecords.record(id, top, random);
    }

    @Test
    void detectionMetricsMatchHandComputation() {
        FakeJudge judge = new FakeJudge((expl, text) -> P1.get(text), true);
        DetectionScorer scorer = new DetectionScorer(judge, TestRecords.prompts(), 11);
        Score s = scorer.score(scripted(), TestRecords.explanation(id, "phonetic alphabet"));
        // 8 items in batches of 5 + 3; the explain-split "india nine" never appears
        assertThat(judge.requests).hasSize(2);
        assertThat(judge.requests.get(0)).contains("Example 5:").doesNotContain("Example 6:");
        assertThat(judge.requests.get(1)).contains("Example 3:").doesNotContain("Example 4:");
        assertThat(String.join("", judge.requests)).doesNotContain("india");
        // answers: A,B -> 1; C,D -> 0; E -> 1; F,G,H -> 0  =>  TP 2, FN 2, FP 1, TN 3
        // balanced accuracy = (2/4 + 3/4) / 2 = 0.625; F1 = 4 / (4 + 1 + 2) = 0.571429; accuracy = 5/8
        assertThat(s.value()).isCloseTo(0.625, within(1e-12));
        assertThat(s.metrics().get("balanced_accuracy")).isCloseTo(0.625, within(1e-12));
        assertThat(s.metrics().get("f1")).isCloseTo(4.0 / 7.0, within(1e-12));
        assertThat(s.metrics().get("accuracy")).isCloseTo(0.625, within(1e-12));
        // AUROC of P(1): positives .9 .8 .4 .2 vs negatives .6 .3 .1 .2 -> (4 + 4 + 3 + 1.5) / 16 = 0.78125
        assertThat(s.metrics().get("auroc")).isCloseTo(0.78125, within(1e-9));
        assertThat(s.details()).hasSize(8);
        assertThat(s.details()).allSatisfy(d -> assertThat(d.probability()).isNotNull());
        assertThat(s.usage()).isEqualTo(new Usage(100, 10, 0.002));
        assertThat(s.prompt().id()).isEqualTo("score/detection");

        // without log-probabilities: same hard metrics, AUROC undefined (null), never NaN
        DetectionScorer noLp = new DetectionScorer(new FakeJudge((expl, text) -> P1.get(text), false), TestRecords.prompts(), 11);
        Score s2 = noLp.score(scripted(), TestRecords.explanation(id, "phonetic alphabet"));
        assertThat(s2.value()).isCloseTo(0.625, within(1e-12));
        assertThat(s2.metrics()).containsEntry("auroc", null);
    }

    @Test
    void batchOrderIsSeededAndTheSameForAnyExplanation() {
        FakeJudge a = new FakeJudge((expl, text) -> 0.1, false);
        FakeJudge b = new FakeJudge((expl, text) -> 0.1, false);
        new DetectionScorer(a, TestRecords.prompts(), 5).score(scripted(), TestRecords.explanation(id, "one thing"));
        new DetectionScorer(b, TestRecords.prompts(), 5).score(scripted(), TestRecords.explanation(TestRecords.id(9), "other thing"));
        assertThat(a.requests.get(0).replace("one thing", "X")).isEqualTo(b.requests.get(0).replace("other thing", "X"));
        FakeJudge c = new FakeJudge((expl, text) -> 0.1, false);
        new DetectionScorer(c, TestRecords.prompts(), 6).score(scripted(), TestRecords.explanation(id, "one thing"));
        assertThat(c.requests.get(0)).isNotEqualTo(a.requests.get(0));
    }

    @Test
    void unparseableAndSingleClassAreUndefined() {
        ScoringLlm chatty = FakeJudge.answering("chatty", u -> "Examples 1 and 3 look right to me.");
        Score s = new DetectionScorer(chatty, TestRecords.prompts(), 1).score(scripted(), TestRecords.explanation(id, "x"));
        assertThat(s.undefined().reason()).isEqualTo(Score.Reason.UNPARSEABLE_ANSWER);
        assertThat(s.undefined().message()).contains("batch 0").contains("list of 5");

        LatentRecord onlyTop = TestRecords.record(id, List.of(TestRecords.topAbout("a dog", "dog")), List.of());
        FakeJudge never = new FakeJudge((e, t) -> 1.0, false);
        Score s2 = new DetectionScorer(never, TestRecords.prompts(), 1).score(onlyTop, TestRecords.explanation(id, "dogs"));
        assertThat(s2.undefined().reason()).isEqualTo(Score.Reason.SINGLE_CLASS);
        assertThat(never.requests).isEmpty(); // no money spent on an unscorable latent
    }

    @Test
    void answerParsingFindsTheLastWellFormedList() {
        JudgeScorer.Answer a = JudgeScorer.parseAnswer("Scratch [1, 2]. Final: [0, 1,1]", 3);
        assertThat(a.values()).containsExactly(false, true, true);
        assertThat(a.offsets()).containsExactly(24, 27, 29); // "[" is char 23
        assertThat(JudgeScorer.parseAnswer("[1, 0]", 3)).isNull();
        assertThat(JudgeScorer.parseAnswer("[yes, no, yes]", 3)).isNull();
        JudgeScorer.Answer bare = JudgeScorer.parseAnswer("Sure.\n1, 0 1\n", 3);
        assertThat(bare.values()).containsExactly(true, false, true);
        assertThat(bare.offsets()).containsExactly(6, 9, 11);
        assertThat(JudgeScorer.parseAnswer("1, 0, 1, 1", 3)).isNull(); // four answers for three examples
        assertThat(JudgeScorer.parseAnswer("Example 1 matches", 3)).isNull();
    }

    @Test
    void fuzzingHighlightsHalfCorrectlyAndJudgeMetricsFollow() {
        // six held-out activating examples about dogs; the word "dog" carries the activation
        List<Example> top = new ArrayList<>();
        for (String t : List.of("my dog ran home", "the dog is asleep now", "a big dog barked loudly", "see the dog run",
                "our dog likes snow", "that dog was here")) {
            top.add(TestRecords.topAbout(t, "dog"));
        }
        LatentRecord r = TestRecords.record(id, top, List.of(TestRecords.random(TestRecords.words("no animals here"))));
        FuzzingScorer f = new FuzzingScorer(new FakeJudge((e, t) -> 0.5, false), TestRecords.prompts(), 3);
        List<JudgeScorer.Item> items = f.items(r, 77);
        assertThat(items).hasSize(6); // random (non-activating) examples are not fuzzed
        assertThat(items.stream().filter(JudgeScorer.Item::label).count()).isEqualTo(3);
        for (JudgeScorer.Item it : items) {
            assertThat(it.highlighted()).hasSize(1); // exactly one activating token per example, same count when wrong
            if (it.label()) {
                assertThat(it.text()).contains("<< dog>>");
            } else {
                assertThat(it.text()).doesNotContain("<< dog>>").contains("<<").contains(">>");
            }
        }
        assertThat(f.items(r, 77)).usingRecursiveFieldByFieldElementComparator().isEqualTo(items);

        // a judge that accepts a marking iff every marked span mentions the explanation's key word
        FakeJudge judge = new FakeJudge((expl, text) -> {
            String key = expl.split(" ")[expl.split(" ").length - 1];
            var m = java.util.regex.Pattern.compile("<<(.*?)>>").matcher(text);
            boolean all = true;
            boolean any = false;
            while (m.find()) {
                any = true;
                all &= m.group(1).contains(key);
            }
            return any && all ? 0.95 : 0.05;
        }, true);
        Score s = new FuzzingScorer(judge, TestRecords.prompts(), 3).score(r, TestRecords.explanation(id, "the word dog"));
        assertThat(s.value()).isEqualTo(1.0);
        assertThat(s.metrics().get("f1")).isEqualTo(1.0);
        assertThat(s.metrics().get("auroc")).isEqualTo(1.0);
        assertThat(s.prompt().id()).isEqualTo("score/fuzzing");
        assertThat(judge.requests.get(0)).contains("<< dog>>");
    }

    @Test
    void highlightMergesRuns() {
        assertThat(FuzzingScorer.highlight(List.of("a", " b", " c", " d"), new boolean[] {true, true, false, true}))
                .isEqualTo("<<a b>> c<< d>>");
    }
}
