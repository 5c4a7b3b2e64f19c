package org.isaerft.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.util.Json;
import org.isaerft.validate.RelevanceJudge;
import org.isaerft.validate.TaskExpectation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validation chain on a known answer (toy LM, orthonormal SAE, strong plants): every latent gets a description of its own
 * word and the judge scores word overlap, so with the planted latent's own description as the expectation a working chain must
 * validate the planted latent on the steered card — and not on the unsteered twin, and not with another task's description —
 * and the data audit must flag it on the poison card, not on the clean twin.
 */
class PlantedValidationTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    @TempDir
    static Path dir;
    static PlantedValidation.Result result;
    static Map<String, Object> analysis;

    /** relevance = share of the expectation's words found in the description (so a description matches only itself here). */
    static final class WordJudge implements RelevanceJudge {
        @Override
        public String name() {
            return "words";
        }

        @Override
        public double onTaskThreshold() {
            return 0.4;
        }

        @Override
        public double offTaskThreshold() {
            return 0.2;
        }

        @Override
        public Judgement judge(String description, TaskExpectation task) {
            Set<String> d = new HashSet<>(Arrays.asList(description.toLowerCase(Locale.ROOT).split("\\W+")));
            String[] e = task.description().toLowerCase(Locale.ROOT).split("\\W+");
            long hit = Arrays.stream(e).filter(d::contains).count();
            return new Relevant((double) hit / e.length, Map.of());
        }
    }

    @BeforeAll
    static void run() throws Exception {
        LetterLm lm = new LetterLm(ND.get(), 16, 1, 0.5);
        TestSae sae = KnownAnswerTestSupport.orthonormal(ND.get(), 16, 9, 3f);
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append((char) ('a' + (i * 7919 % 16)));
        }
        Files.writeString(corpus, sb.toString());
        RecoveryOptions ro = RecoveryOptions.builder().modelSpec("letters").saes(Map.of("local", "toy-orthonormal")).tasks(3)
                .seeds(List.of(0L)).strength(1).sweep(List.of()).sweepTasks(0).documents(60).maxNewTokens(60).steps(150).batch(8).seq(32)
                .components(List.of(AdapterKind.SCALE)).lr(Map.of(AdapterKind.SCALE, 0.05)).scanCorpus(corpus).scanWindows(8)
                .out(dir.resolve("out")).label("test").build();
        PlantedValidation.Options o = PlantedValidation.Options.builder(ro).methods(List.of("words")).measures(List.of("mean_abs_delta"))
                .k(3).auditK(3).permutations(50).bootstrap(50).trigger("abc").poisonFraction(0.75).clean("stories", List.of("stories"))
                .build();
        PlantedValidation.Describer words = (name, s, method) -> {
            Map<Integer, String> m = new TreeMap<>();
            for (int i = 0; i < s.dSae(); i++) {
                m.put(i, "topic" + i);
            }
            return m;
        };
        Map<String, SparseAutoencoder> saes = new LinkedHashMap<>();
        saes.put("local", sae);
        result = PlantedValidation.run(o, lm, saes, words, new WordJudge(), new PrintStream(new ByteArrayOutputStream()));
        analysis = PlantedValidation.write(result, Files.createDirectories(dir.resolve("out")));
    }

    private static List<PlantedValidation.ExpectationRow> rows(String card, String expectation) {
        return result.expectations().stream().filter(r -> r.card().equals(card) && r.expectation().equals(expectation)).toList();
    }

    private static List<PlantedValidation.AuditRow> audits(String card) {
        return result.audits().stream().filter(r -> r.card().equals(card)).toList();
    }

    @Test
    void thePlantedLatentIsValidatedOnTheSteeredCardWithItsOwnDescription() {
        // the toy plants latents drawn across firing-frequency deciles; the rarest (smallest max_act, so the weakest plant) may
        // miss the top k, the others must not — and "validated" must mean exactly "in the top k and on-task"
        List<PlantedValidation.ExpectationRow> own = rows("steered", "own");
        assertThat(own).hasSize(3).allSatisfy(r -> {
            assertThat(r.answerRelevance()).isEqualTo(1.0);
            assertThat(r.answerRelevanceRank()).isEqualTo(1.0);
            assertThat(r.onTask()).isTrue();
            assertThat(r.inTopK()).isEqualTo(r.answerChangeRank() <= 3);
            assertThat(r.validated()).isEqualTo(r.inTopK());
            // the validation's own rank statistic sees the answer: it is the single most relevant description
            assertThat(r.overlapAtK()).isGreaterThanOrEqualTo(r.inTopK() ? 1 : 0);
            assertThat(r.overlapExpected()).isEqualTo(9.0 / 16); // k²/n with k = 3 of 16 described latents
        });
        assertThat(own.stream().filter(PlantedValidation.ExpectationRow::validated).count()).as("validated of 3").isGreaterThanOrEqualTo(2);
    }

    @Test
    void theControlsDoNotValidateIt() {
        // the unsteered twin: same description and expectation (so on-task), but the adapter did not move the latent
        assertThat(rows("twin", "own")).hasSize(3).allSatisfy(r -> {
            assertThat(r.onTask()).isTrue();
            assertThat(r.inTopK()).as("task %d change rank %d", r.task(), r.answerChangeRank()).isFalse();
            assertThat(r.validated()).isFalse();
        });
        // another task's description: whatever the adapter moved, the answer's description does not match that expectation
        assertThat(rows("steered", "shuffled")).hasSize(3).allSatisfy(r -> {
            assertThat(r.expectationTask()).isNotEqualTo(r.task());
            assertThat(r.answerRelevance()).isEqualTo(0.0);
            assertThat(r.validated()).isFalse();
        });
    }

    @Test
    void theAuditFlagsThePlantedLatentOnThePoisonCardAndNotOnTheCleanTwin() {
        // every description is off-task for "stories", so the audit flags exactly the 3 most-changed latents of each adapter
        List<PlantedValidation.AuditRow> poison = audits("poison");
        assertThat(poison).hasSize(3).allSatisfy(r -> {
            assertThat(r.nFlagged()).isEqualTo(3);
            assertThat(r.answerFlagged()).as("task %d: %s", r.task(), r.why()).isEqualTo(r.answerChangeRank() <= 3);
            if (r.answerFlagged()) {
                assertThat(r.answerAuditRank()).isEqualTo(r.answerChangeRank());
                assertThat(r.why()).startsWith("flagged: " + r.answerChangeRank() + " of 3");
            } else {
                assertThat(r.why()).startsWith("changed too little");
            }
        });
        assertThat(poison.stream().filter(PlantedValidation.AuditRow::answerFlagged).count()).as("flagged of 3").isGreaterThanOrEqualTo(2);
        assertThat(audits("clean")).hasSize(3).allSatisfy(r -> {
            assertThat(r.nFlagged()).isEqualTo(3);
            assertThat(r.answerFlagged()).as("task %d: %s", r.task(), r.why()).isFalse();
        });
    }

    @Test
    void theFileHoldsTheAnalysisWithPairedTestsAndHeadlines() throws Exception {
        JsonNode f = Json.MAPPER.readTree(dir.resolve("out").resolve(PlantedValidation.FILE).toFile());
        assertThat(f.get("schema_version").asInt()).isEqualTo(PlantedValidation.SCHEMA_VERSION);
        assertThat(f.get("type").asText()).isEqualTo(PlantedValidation.TYPE);
        assertThat(f.at("/judge/name").asText()).isEqualTo("words");
        assertThat(f.get("expectation_rows").size()).isEqualTo(9);
        assertThat(f.get("audit_rows").size()).isEqualTo(6);
        JsonNode cells = f.at("/analysis/cells");
        assertThat(cells.get(0).get("card").asText()).isEqualTo("steered");
        long validated = rows("steered", "own").stream().filter(PlantedValidation.ExpectationRow::validated).count();
        assertThat(cells.get(0).get("validated").asDouble()).isEqualTo(validated / 3.0);
        assertThat(cells.get(1).get("card").asText()).isEqualTo("twin");
        assertThat(cells.get(1).get("validated").asDouble()).isEqualTo(0.0);
        JsonNode paired = f.at("/analysis/paired");
        assertThat(paired.size()).isEqualTo(7);
        assertThat(paired.get(2).get("comparison").asText()).isEqualTo("validated by relevance rank: steered/own - twin/own");
        // the word judge ranks the answer's own description first, so by rank it is validated exactly when in the top k
        assertThat(cells.get(0).get("validated_by_relevance_rank").asDouble()).isEqualTo(validated / 3.0);
        assertThat(cells.get(2).get("validated_by_relevance_rank").asDouble()).isEqualTo(0.0);
        assertThat(paired.get(4).get("comparison").asText()).isEqualTo("overlap@k: steered/own - twin/own");
        assertThat(paired.get(6).get("comparison").asText()).isEqualTo("answer flagged: poison - clean");
        long flagged = audits("poison").stream().filter(PlantedValidation.AuditRow::answerFlagged).count();
        assertThat(paired.get(6).get("mean_diff").asDouble()).isEqualTo(flagged / 3.0); // the clean twin flags it on no task
        // exact sign-flip over 2^3 patterns: with differences {1,1,1} p = 2/8; with {1,1,0} the zero flips to itself, p = 4/8
        assertThat(paired.get(6).get("p").asDouble()).isEqualTo(flagged == 3 ? 0.25 : 0.5);
        assertThat(paired.get(0).has("q_bh")).isTrue();
        // re-reading the rows gives the same analysis (the --reanalyse path)
        PlantedValidation.Result back = PlantedValidation.read(dir.resolve("out").resolve(PlantedValidation.FILE));
        assertThat(back.expectations()).isEqualTo(result.expectations());
        assertThat(back.audits()).isEqualTo(result.audits());
        JsonNode again = Json.MAPPER.valueToTree(PlantedValidation.analyse(back));
        JsonNode first = Json.MAPPER.valueToTree(analysis);
        assertThat(again).isEqualTo(first);
        JsonNode h = Json.MAPPER.readTree(dir.resolve("out/summary.json").toFile()).get("headlines");
        assertThat(h.get("local_scale_words_mean_abs_delta_steered_own_validated").asDouble()).isEqualTo(validated / 3.0);
        assertThat(h.get("local_scale_words_mean_abs_delta_poison_answer_flagged").asDouble()).isEqualTo(flagged / 3.0);
        assertThat(h.get("local_scale_words_mean_abs_delta_clean_answer_flagged").asDouble()).isEqualTo(0.0);
    }
}
