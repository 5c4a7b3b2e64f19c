package org.isaerft.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The --quick benchmark end to end on the letter LM with two SAEs: files, cross-SAE matches, paired tests, headlines. */
class RecoveryBenchmarkTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    @Test
    void quickRunWritesRecoveryAndSummary(@TempDir Path dir) throws Exception {
        LetterLm lm = new LetterLm(ND.get(), 16, 1, 0.5);
        TestSae local = KnownAnswerTestSupport.orthonormal(ND.get(), 16, 9, 3f);
        TestSae other = new TestSae(ND.get(), org.isaerft.model.HookPoint.residPre(0), 16, 24, 2, 0.3, 0.5);
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            sb.append((char) ('a' + (i * 7919 % 16)));
        }
        Files.writeString(corpus, sb.toString());
        Map<String, String> specs = new LinkedHashMap<>();
        specs.put("local", "toy-orthonormal");
        specs.put("e2e", "toy-random");
        RecoveryOptions o = RecoveryOptions.builder().quick().modelSpec("letters").saes(specs).tasks(4)
                .components(List.of(AdapterKind.SCALE, AdapterKind.FFNN)).scanCorpus(corpus).scanWindows(8).seq(32).out(dir.resolve("out"))
                .label("test").build();
        Map<String, SparseAutoencoder> saes = new LinkedHashMap<>();
        saes.put("local", local);
        saes.put("e2e", other);
        RecoveryBenchmark.Result r = RecoveryBenchmark.run(o, lm, saes, new PrintStream(new ByteArrayOutputStream()));
        RecoveryBenchmark.write(r);
        assertThat(r.tasks()).hasSize(4);
        assertThat(r.tasks().stream().map(RecoveryBenchmark.Task::source)).containsExactly("local", "e2e", "local", "e2e");
        for (RecoveryBenchmark.Task t : r.tasks()) {
            assertThat(t.matches().get(t.source()).latent()).isEqualTo(t.latent());
            assertThat(t.matches().get(t.source()).cosine()).isEqualTo(1.0);
        }
        // main strength: 4 tasks × 2 SAEs × 2 components (+ as many control-twin rows); sweep: 1 task × 2 more strengths × 4
        long steered = r.runs().stream().filter(x -> !x.control()).count();
        long control = r.runs().stream().filter(RecoveryBenchmark.Run::control).count();
        assertThat(steered).isEqualTo(4 * 2 * 2 + 1 * 2 * (2 * 2));
        assertThat(control).isEqualTo(4 * 2 * 2);
        JsonNode full = Json.MAPPER.readTree(dir.resolve("out/recovery.json").toFile());
        assertThat(full.get("label").asText()).isEqualTo("test");
        assertThat(full.get("versions").isObject()).isTrue();
        assertThat(full.at("/options/seeds/0").asLong()).isEqualTo(0);
        JsonNode paired = full.at("/analysis/paired");
        assertThat(paired.size()).isEqualTo(3 * 2 * 3); // (all, from local, from e2e) × e2e − local × 2 components × 3 metrics
        assertThat(paired.get(0).get("planted_from").asText()).isEqualTo("all");
        assertThat(paired.get(6).get("planted_from").asText()).isEqualTo("local");
        long fromLocalMatched = r.tasks().stream().filter(t -> t.source().equals("local") && t.matches().get("e2e").matched()).count();
        assertThat(paired.get(6).get("tasks").asLong()).isEqualTo(fromLocalMatched);
        assertThat(paired.get(0).get("comparison").asText()).isEqualTo("e2e - local");
        assertThat(paired.get(0).has("q_bh")).isTrue();
        JsonNode summary = Json.MAPPER.readTree(dir.resolve("out/summary.json").toFile());
        assertThat(summary.at("/headlines/local_chance_at_5").asDouble()).isEqualTo(5.0 / 16);
        assertThat(summary.at("/headlines/local_scale_recall_at_1").isNumber()).isTrue();
        assertThat(summary.at("/headlines/control_local_scale_recall_at_5").isNumber()).isTrue();
    }
}
