package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.isaerft.testing.Cli.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.isaerft.bench.SaeTrainBenchmark;
import org.isaerft.data.Batch;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.train.SaeTrainer;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Cli.Run;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code isaerft bench sae-train} end to end on stories260K with small shapes: the JSON carries
 * the documented fields, consistent with each other, and the dump (what the PyTorch reference
 * redoes) holds the benchmark's tokens, an initial SAE that loads, and the parameters and losses
 * of one step, checked against an independent run of the trainer and a host count of L0. No
 * timing assertions: timing belongs to benchmarks.
 */
class BenchSaeTrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void saeTrainWritesTheDocumentedFieldsAndADumpOfOneStep() throws Exception {
        Path modelDir = Shared.path("models/stories260K");
        Path out = tmp.resolve("bench/sae_train.json");
        Path dump = tmp.resolve("dump.safetensors");
        Run r = run("bench", "sae-train", "--model", modelDir.toString(), "--kind", "local", "--d-sae", "32", "--batch", "2", "--seq",
                "8", "--warmup", "1", "--iters", "3", "--threads", "1", "--seed", "4", "--l1", "0.5", "--lr", "0.01", "--out",
                out.toString(), "--dump", dump.toString());
        assertThat(r.code()).as(r.err()).isZero();

        JsonNode f = Json.MAPPER.readTree(out.toFile());
        assertThat(Json.MAPPER.readTree(r.out())).isEqualTo(f);
        assertThat(f.get("schema_version").asInt()).isEqualTo(1);
        assertThat(f.get("implementation").asText()).isEqualTo("isaerft");
        assertThat(f.get("benchmark").asText()).isEqualTo("sae_train");
        assertThat(f.get("kind").asText()).isEqualTo("local");
        assertThat(f.get("hook").asText()).isEqualTo("blocks.2.hook_resid_pre");
        assertThat(f.get("d_in").asInt()).isEqualTo(64);
        assertThat(f.get("d_sae").asInt()).isEqualTo(32);
        assertThat(f.get("batch").asInt()).isEqualTo(2);
        assertThat(f.get("seq").asInt()).isEqualTo(8);
        assertThat(f.get("warmup").asInt()).isEqualTo(1);
        assertThat(f.get("iters").asInt()).isEqualTo(3);
        assertThat(f.get("threads").asInt()).isEqualTo(1);
        assertThat(f.get("engine").asText()).contains("DJL").contains("PyTorch");
        assertThat(f.get("command").asText()).startsWith("isaerft bench sae-train --model " + modelDir);
        assertThat(f.get("load_average_at_start").size()).isEqualTo(3);
        JsonNode iters = f.get("iter_seconds");
        assertThat(iters.size()).isEqualTo(3);
        double[] s = new double[3];
        for (int i = 0; i < 3; i++) {
            s[i] = iters.get(i).asDouble();
            assertThat(s[i]).isPositive();
        }
        java.util.Arrays.sort(s);
        assertThat(f.get("step_ms").asDouble()).isCloseTo(1e3 * s[1], Offset.offset(1e-9));
        assertThat(f.get("mean_step_ms").asDouble()).isCloseTo(1e3 * (s[0] + s[1] + s[2]) / 3, Offset.offset(1e-9));
        // process CPU time has a coarse clock: a 3-step tiny run can measure 0 ms, never less
        assertThat(f.get("cpu_ms_per_step").asDouble()).isNotNegative().isFinite();
        assertThat(f.get("last_loss").asDouble()).isPositive().isFinite();

        // the dump: tokens, an initial SAE that loads, and one step's parameters and losses
        SafeTensors.File d = SafeTensors.read(dump);
        Map<String, String> meta = d.metadata();
        assertThat(meta.get("type")).isEqualTo(SaeTrainBenchmark.DUMP_TYPE);
        assertThat(meta.get("schema_version")).isEqualTo("1");
        JsonNode cfg = Json.MAPPER.readTree(meta.get("config"));
        assertThat(cfg.get("kind").asText()).isEqualTo("local");
        assertThat(cfg.get("l1").asDouble()).isEqualTo(0.5);
        assertThat(cfg.get("max_grad_norm").asDouble()).isEqualTo(10.0);
        JsonNode step = Json.MAPPER.readTree(meta.get("step"));
        assertThat(step.get("lr").asDouble()).isEqualTo(0.01);
        assertThat(step.get("kl").isNull()).isTrue();

        SaeTrainBenchmark.Spec spec = new SaeTrainBenchmark.Spec(TrainKind.LOCAL, HookPoint.residPre(2), 32, 2, 8, 1, 3, 4, 0.5, 0.01);
        try (NDManager root = NDManager.newBaseManager(); LanguageModel model = ModelFamilies.load(modelDir, root)) {
            Batch b = SaeTrainBenchmark.batch(spec, model.config().vocabSize());
            assertThat(d.get("tokens", 2, 8).toIntArray()).containsExactly(b.flatTokens());

            Map<String, HostTensor> init = new LinkedHashMap<>();
            for (String n : new String[] {"W_enc", "b_enc", "W_dec", "b_dec"}) {
                init.put(n, d.get("init." + n, shape(n)));
            }
            // tied initialisation: W_enc = 0.1·W_decᵀ with unit-norm decoder rows
            float[] wEnc = init.get("W_enc").toFloatArray();
            float[] wDec = init.get("W_dec").toFloatArray();
            for (int j = 0; j < 32; j++) {
                double norm = 0;
                for (int k = 0; k < 64; k++) {
                    norm += wDec[j * 64 + k] * (double) wDec[j * 64 + k];
                    assertThat((double) wEnc[k * 32 + j]).isCloseTo(0.1 * wDec[j * 64 + k], Offset.offset(1e-6));
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, Offset.offset(1e-5));
            }

            // the dumped initial SAE loads; L0 of its first step counted on the host from its latents
            Sae loaded = Sae.create(SaeTrainer.saeConfig("dumped", HookPoint.residPre(2), 64, 32, "stories260K"), init, root);
            try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
                Map<HookPoint, NDArray> sink = new HashMap<>();
                model.forward(b.toNDArray(m), Hooks.builder().capture(HookPoint.residPre(2), sink).stopAt(HookPoint.residPre(2)).build());
                float[] c = loaded.encode(sink.get(HookPoint.residPre(2))).toFloatArray();          // [2·8·32]
                int active = 0;
                for (float v : c) {
                    active += v > 0 ? 1 : 0;
                }
                assertThat(step.get("l0").asDouble()).isEqualTo(active / 16.0);
            } finally {
                loaded.close();
            }

            // one step of an independent trainer from the same spec gives exactly the dumped parameters and losses
            try (SaeTrainer t = SaeTrainer.start(model, spec.trainConfig(model), "again", "stories260K")) {
                Map<String, HostTensor> before = t.sae().hostWeights();
                for (String n : init.keySet()) {
                    assertThat(init.get(n).toFloatArray()).as(n).containsExactly(before.get(n).toFloatArray());
                }
                SaeTrainer.StepStats st = t.step(b);
                Map<String, HostTensor> after = t.sae().hostWeights();
                for (String n : init.keySet()) {
                    float[] dumped = d.get("step1." + n, shape(n)).toFloatArray();
                    assertThat(dumped).as(n).containsExactly(after.get(n).toFloatArray());
                }
                assertThat(d.get("step1.W_enc", 64, 32).toFloatArray()).isNotEqualTo(wEnc);
                assertThat(step.get("loss").asDouble()).isEqualTo(st.loss());
                assertThat(step.get("mse").asDouble()).isEqualTo(st.mse());
                assertThat(step.get("sparsity").asDouble()).isEqualTo(st.sparsity());
                assertThat(step.get("grad_norm").asDouble()).isEqualTo(st.gradNorm());
                assertThat(st.loss()).isCloseTo(st.mse() + 0.5 * st.sparsity(), Offset.offset(1e-6));
            }
        }
    }

    private static long[] shape(String name) {
        return switch (name) {
            case "W_enc" -> new long[] {64, 32};
            case "b_enc" -> new long[] {32};
            case "W_dec" -> new long[] {32, 64};
            default -> new long[] {64};
        };
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertThatThrownBy(() -> new SaeTrainBenchmark.Spec(TrainKind.E2E, HookPoint.residPre(2), 0, 1, 8, 0, 1, 0, 1, 1e-3))
                .hasMessageContaining("d_sae=0");
        assertThatThrownBy(() -> new SaeTrainBenchmark.Spec(TrainKind.E2E, HookPoint.residPre(2), 8, 1, 8, 0, 0, 0, 1, 1e-3))
                .hasMessageContaining("iters=0");
        String dir = Shared.path("models/stories260K").toString();
        Run k = run("bench", "sae-train", "--model", dir, "--kind", "global", "--d-sae", "8", "--batch", "1", "--seq", "4");
        assertThat(k.code()).isEqualTo(1);
        assertThat(k.err()).contains("error: ").contains("local, e2e or e2e-downstream").contains("'global'");
        Run seq = run("bench", "sae-train", "--model", dir, "--d-sae", "8", "--batch", "1", "--seq", "100000");
        assertThat(seq.code()).isEqualTo(1);
        assertThat(seq.err()).contains("exceeds");
    }
}
