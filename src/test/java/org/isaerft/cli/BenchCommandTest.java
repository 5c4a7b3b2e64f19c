package org.isaerft.cli;

import org.isaerft.testing.Cli.Run;
import static org.isaerft.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.isaerft.bench.ForwardBenchmark;
import org.isaerft.model.gpt2.Gpt2Model;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code isaerft bench forward} end to end on the tiny GPT-2 fixture: the JSON it writes carries
 * the documented fields, consistent with each other, and the logits it dumps for the
 * cross-check are the model's logits for the dumped tokens. No timing assertions: timing belongs
 * to benchmarks.
 */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void forwardWritesTheDocumentedFieldsAndDumpsTheModelsLogits() throws Exception {
        Path dir = Shared.path("fixtures/gpt2-tiny");
        Path out = tmp.resolve("bench/forward.json");
        Path dump = tmp.resolve("logits.safetensors");
        Run r = run("bench", "forward", "--model", dir.toString(), "--batch", "2", "--seq", "8", "--warmup", "1", "--iters", "3",
                "--threads", "2", "--seed", "5", "--out", out.toString(), "--dump-logits", dump.toString());
        assertThat(r.code()).as(r.err()).isZero();

        JsonNode file = Json.MAPPER.readTree(out.toFile());
        JsonNode printed = Json.MAPPER.readTree(r.out());
        assertThat(printed).isEqualTo(file);
        assertThat(file.get("schema_version").asInt()).isEqualTo(1);
        assertThat(file.get("implementation").asText()).isEqualTo("isaerft");
        assertThat(file.get("model").asText()).isEqualTo(dir.toString());
        assertThat(file.get("model_dir").asText()).isEqualTo(dir.toAbsolutePath().toString());
        assertThat(file.get("model_config").get("model_type").asText()).isEqualTo("gpt2");
        assertThat(file.get("batch").asInt()).isEqualTo(2);
        assertThat(file.get("seq").asInt()).isEqualTo(8);
        assertThat(file.get("warmup").asInt()).isEqualTo(1);
        assertThat(file.get("iters").asInt()).isEqualTo(3);
        assertThat(file.get("threads").asInt()).isEqualTo(2);
        assertThat(file.get("engine").asText()).contains("DJL").contains("PyTorch");
        assertThat(file.get("command").asText()).startsWith("isaerft bench forward --model " + dir);
        JsonNode load = file.get("load_average_at_start");
        assertThat(load.isArray()).isTrue();
        assertThat(load.size()).isEqualTo(3);
        JsonNode iters = file.get("iter_seconds");
        assertThat(iters.size()).isEqualTo(3);
        double sum = 0;
        for (JsonNode s : iters) {
            assertThat(s.asDouble()).isPositive();
            sum += s.asDouble();
        }
        assertThat(file.get("seconds").asDouble()).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(file.get("tokens_per_s").asDouble()).isCloseTo(2 * 8 * 3 / sum, org.assertj.core.data.Percentage.withPercentage(1e-9));

        // the dump: the seeded benchmark tokens and the model's logits for them
        SafeTensors.File d = SafeTensors.read(dump);
        int[] tokens = d.get("tokens", 2, 8).toIntArray();
        ForwardBenchmark.Spec spec = new ForwardBenchmark.Spec(2, 8, 1, 3, 5);
        try (NDManager root = NDManager.newBaseManager(); Gpt2Model model = Gpt2Model.load(dir, root)) {
            int vocab = model.config().vocabSize();
            assertThat(tokens).containsExactly(ForwardBenchmark.tokens(spec, vocab));
            assertThat(java.util.Arrays.stream(tokens).allMatch(id -> id >= 0 && id < vocab)).isTrue();
            HostTensor logits = d.get("logits", 2, 8, vocab);
            NDArray expected = model.forward(root.create(tokens, new Shape(2, 8)));
            float[] e = expected.toFloatArray();
            float[] g = logits.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertThat(g[i]).as("logit %d", i).isEqualTo(e[i]);
            }
        }
    }

    @Test
    void tokensAreSeededAndInRange() {
        ForwardBenchmark.Spec a = new ForwardBenchmark.Spec(3, 50, 0, 1, 1);
        ForwardBenchmark.Spec b = new ForwardBenchmark.Spec(3, 50, 0, 1, 2);
        int[] ta = ForwardBenchmark.tokens(a, 7);
        assertThat(ta).hasSize(150).containsExactly(ForwardBenchmark.tokens(a, 7));
        assertThat(java.util.Arrays.stream(ta).allMatch(id -> id >= 0 && id < 7)).isTrue();
        assertThat(ta).contains(0, 1, 2, 3, 4, 5, 6);
        assertThat(ForwardBenchmark.tokens(b, 7)).isNotEqualTo(ta);
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertThatThrownBy(() -> new ForwardBenchmark.Spec(0, 8, 1, 1, 0)).hasMessageContaining("batch=0");
        assertThatThrownBy(() -> new ForwardBenchmark.Spec(1, 8, 1, 0, 0)).hasMessageContaining("iters=0");
        Run r = run("bench", "forward", "--model", Shared.path("fixtures/gpt2-tiny").toString(), "--iters", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("error: ").contains("iters=0");
        Run t = run("bench", "forward", "--model", Shared.path("fixtures/gpt2-tiny").toString(), "--threads", "0");
        assertThat(t.code()).isEqualTo(1);
        assertThat(t.err()).contains("--threads must be ≥ 1, found 0");
        Run seq = run("bench", "forward", "--model", Shared.path("fixtures/gpt2-tiny").toString(), "--seq", "100000", "--batch", "1");
        assertThat(seq.code()).isEqualTo(1);
        assertThat(seq.err()).contains("exceeds");
    }
}
