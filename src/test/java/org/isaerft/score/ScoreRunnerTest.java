package org.isaerft.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreRunnerTest {
    private static final List<String> TOPICS = List.of("dog", "car", "rain", "music", "bread", "chess");

    /** Six latents with clearly distinct topics; negatives are neutral filler that mentions no topic. */
    static List<LatentRecord> records() {
        List<LatentRecord> out = new ArrayList<>();
        for (int i = 0; i < TOPICS.size(); i++) {
            String w = TOPICS.get(i);
            List<Example> top = List.of(TestRecords.topAbout("the " + w + " is here", w),
                    TestRecords.topAbout("i saw a " + w + " today", w),
                    TestRecords.topAbout("one more " + w + " please", w));
            List<Example> random = List.of(TestRecords.random(TestRecords.words("it was a quiet day")),
                    TestRecords.random(TestRecords.words("nothing happened at all")),
                    TestRecords.random(TestRecords.words("we went home early")));
            out.add(TestRecords.record(TestRecords.id(i), top, random));
        }
        return out;
    }

    static List<Explanation> explanations() {
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < TOPICS.size(); i++) {
            out.add(TestRecords.explanation(TestRecords.id(i), "mentions of " + TOPICS.get(i)));
        }
        return out;
    }

    /** Says "activates" iff the example contains the explanation's last word. */
    static FakeJudge keywordJudge() {
        return new FakeJudge((expl, text) -> {
            String[] w = expl.split(" ");
            return text.contains(w[w.length - 1]) ? 0.9 : 0.1;
        }, true);
    }

    @Test
    void realExplanationsBeatShuffledOnesWhichSitAtChance(@TempDir Path out) throws Exception {
        FakeJudge judge = keywordJudge();
        ScoreSummary s = ScoreRunner.run(new DetectionScorer(judge, TestRecords.prompts(), 3), records(), explanations(), out,
                new ScoreRunner.Options(3, 1000, null), m -> {});
        assertThat(s.explanations().mean()).isEqualTo(1.0);
        assertThat(s.explanations().nDefined()).isEqualTo(6);
        assertThat(s.explanations().ci95()).isEqualTo(new ScoreMath.Interval(1.0, 1.0));
        // another latent's topic word never appears in this latent's examples: the judge says "no" to all -> 0.5
        assertThat(s.shuffled().mean()).isEqualTo(0.5);
        assertThat(s.shuffled().metricMeans().get("auroc")).isEqualTo(0.5);
        assertThat(s.chanceLevels()).anySatisfy(c -> {
            assertThat(c.metric()).isEqualTo("balanced_accuracy");
            assertThat(c.value()).isEqualTo(0.5);
        });
        assertThat(s.chanceLevels()).anySatisfy(c -> {
            assertThat(c.metric()).isEqualTo("accuracy"); // always "no": 3 negatives of 6
            assertThat(c.value()).isEqualTo(0.5);
        });
        assertThat(s.prompts()).extracting(Score.PromptRef::id).containsExactly("score/detection");
        assertThat(judge.requests).hasSize(6 * 2 * 2); // 6 latents x (real + shuffled) x 2 batches (5 + 1)

        List<String> lines = Files.readAllLines(out.resolve("scores.jsonl"));
        assertThat(lines).hasSize(12);
        List<Score> scores = new ArrayList<>();
        for (String l : lines) {
            scores.add(Json.MAPPER.readValue(l, Score.class));
        }
        assertThat(scores.stream().filter(x -> x.baseline().equals("shuffled")))
                .hasSize(6).allSatisfy(x -> assertThat(x.explanation().latent()).isNotEqualTo(x.latent()));
        ScoreSummary onDisk = Json.readFile(out.resolve("summary.json"), ScoreSummary.class);
        assertThat(onDisk.explanations().mean()).isEqualTo(1.0);
        assertThat(onDisk.shuffled().mean()).isEqualTo(0.5);

        // resume: nothing is re-asked
        FakeJudge second = keywordJudge();
        ScoreSummary again = ScoreRunner.run(new DetectionScorer(second, TestRecords.prompts(), 3), records(), explanations(), out,
                new ScoreRunner.Options(3, 1000, null), m -> {});
        assertThat(second.requests).isEmpty();
        assertThat(again.explanations()).isEqualTo(s.explanations());
    }

    @Test
    void concurrentRunGivesTheSameSummaryAndFileOrderIndependentResults(@TempDir Path a, @TempDir Path b) throws Exception {
        ScoreSummary seq = ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 8), records(), explanations(), a,
                new ScoreRunner.Options(8, 300, null, 1), m -> {});
        ScoreSummary par = ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 8), records(), explanations(), b,
                new ScoreRunner.Options(8, 300, null, 4), m -> {});
        assertThat(par.explanations()).isEqualTo(seq.explanations());
        assertThat(par.shuffled()).isEqualTo(seq.shuffled());
        assertThat(Files.readAllLines(b.resolve("scores.jsonl"))).hasSize(12);
    }

    @Test
    void killedRunResumesAfterATornLineAndRetriesLlmErrors(@TempDir Path out) throws Exception {
        ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 3), records(), explanations(), out,
                new ScoreRunner.Options(3, 100, null), m -> {});
        Path f = out.resolve("scores.jsonl");
        List<String> lines = Files.readAllLines(f);
        // keep 4 complete lines, mark one of them as an LLM error, and tear the 5th in half
        Score failed = Json.MAPPER.readValue(lines.get(1), Score.class);
        Score asError = Score.undefined(failed.latent(), failed.explanation(), failed.scorer(),
                new Score.Undefined(Score.Reason.LLM_ERROR, "503"), null, null, failed.prompt(), null);
        String torn = lines.get(4).substring(0, lines.get(4).length() / 2);
        Files.writeString(f, lines.get(0) + "\n" + Json.line(asError) + "\n" + lines.get(2) + "\n" + lines.get(3) + "\n" + torn,
                StandardCharsets.UTF_8);

        FakeJudge judge = keywordJudge();
        ScoreSummary s = ScoreRunner.run(new DetectionScorer(judge, TestRecords.prompts(), 3), records(), explanations(), out,
                new ScoreRunner.Options(3, 100, null), m -> {});
        // 12 scores, 3 reused -> 9 re-scored (the LLM error and the torn one among them), 2 batches each
        assertThat(judge.requests).hasSize(9 * 2);
        assertThat(s.explanations().nUndefined()).isZero();
        assertThat(s.shuffled().nDefined()).isEqualTo(6);
        for (String l : Files.readAllLines(f)) {
            Json.MAPPER.readValue(l, Score.class); // every line parses
        }
    }

    @Test
    void simulationShuffledBaselineCountsUndefinedWithReasons(@TempDir Path out) {
        // a simulator predicting 10 on tokens containing the explanation's word: real -> r = 1; shuffled -> constant -> undefined
        ScoringLlm sim = FakeJudge.answering("fake/sim", u -> {
            String word = u.substring(u.indexOf("mentions of ") + 12, u.indexOf('\n', u.indexOf("mentions of ")));
            List<Integer> vals = new ArrayList<>();
            for (String line : u.substring(u.indexOf("line break inside a token):\n") + 28).split("\n")) {
                if (!line.matches("\\d+\t.*")) {
                    break;
                }
                vals.add(line.contains(word) ? 10 : 0);
            }
            return "{\"activations\": " + vals + "}";
        });
        ScoreSummary s = ScoreRunner.run(new SimulationScorer(sim, TestRecords.prompts(), SimulationScorer.Mode.JSON), records(),
                explanations(), out, new ScoreRunner.Options(1, 500, null), m -> {});
        assertThat(s.explanations().mean()).isEqualTo(1.0);
        assertThat(s.shuffled().mean()).isNull();
        assertThat(s.shuffled().nUndefined()).isEqualTo(6);
        assertThat(s.shuffled().undefinedReasons()).containsEntry("constant_prediction", 6);
        assertThat(s.shuffled().ci95()).isNull();
    }

    @Test
    void singleLatentHasNoShuffledBaselineAndSaysWhy(@TempDir Path out) {
        ScoreSummary s = ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 3), records().subList(0, 1),
                explanations().subList(0, 1), out, new ScoreRunner.Options(3, 100, null), m -> {});
        assertThat(s.shuffled()).isNull();
        assertThat(s.shuffledNote()).contains("at least two latents");
    }

    @Test
    void resumingWithAnotherSeedOrModelIsRefused(@TempDir Path out) throws Exception {
        ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 3), records(), explanations(), out,
                new ScoreRunner.Options(3, 100, null), m -> {});
        ScoreRunner.RunFingerprint fp = Json.readFile(out.resolve("score_run.json"), ScoreRunner.RunFingerprint.class);
        assertThat(fp.model()).isEqualTo("fake/judge");
        assertThat(fp.prompts()).extracting(Score.PromptRef::id).containsExactly("score/detection");
        assertThatThrownBy(() -> ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 4), records(), explanations(),
                out, new ScoreRunner.Options(4, 100, null), m -> {})).hasMessageContaining("Use another --out");
        assertThat(Files.readAllLines(out.resolve("scores.jsonl"))).hasSize(12); // untouched
    }

    @Test
    void severalMethodsNeedAChoice(@TempDir Path out) {
        List<Explanation> mixed = new ArrayList<>(explanations());
        mixed.add(Explanation.of(TestRecords.id(0), "dogs", "token-stats", null, null, null, List.of(), null));
        assertThatThrownBy(() -> ScoreRunner.run(new DetectionScorer(keywordJudge(), TestRecords.prompts(), 3), records(), mixed, out,
                new ScoreRunner.Options(3, 100, null), m -> {})).hasMessageContaining("choose one with --method");
    }
}
