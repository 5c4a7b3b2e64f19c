package org.isaerft.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HF-layout loader against the llama2.c path (itself checked against llama2.c's known greedy
 * output): stories260K converted as HF's convert_llama_weights_to_hf.py does, q/k rows permuted
 * for rotate_half RoPE.
 */
class HfLlamaTest {
    static final Path DIR = Shared.path("models/stories260K");
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static LlamaModel reference;
    static LlamaWeights w;

    @BeforeAll
    static void load() {
        w = Llama2cCheckpoint.load(DIR.resolve("stories260K.bin"));
        reference = new LlamaModel(w, Llama2cTokenizer.load(DIR.resolve("tok512.bin"), 512), ND.get());
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    /**
     * HF's permute(w, n_heads, dim1, dim2):
     * {@code w.view(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(1, 2).reshape(dim1, dim2)}.
     */
    static float[] permute(float[] src, int nHeads, int dim1, int dim2) {
        int half = dim1 / nHeads / 2;
        float[] out = new float[src.length];
        for (int h = 0; h < nHeads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int from = (h * half * 2 + i * 2 + j) * dim2;   // view index [h, i, j]
                    int to = (h * 2 * half + j * half + i) * dim2;  // after transpose(1, 2): [h, j, i]
                    System.arraycopy(src, from, out, to, dim2);
                }
            }
        }
        return out;
    }

    /** Writes stories260K in HF layout: config.json, model.safetensors, and the tok512.bin tokenizer. */
    static Path writeHf(LlamaWeights w, Path dir, boolean tied, Map<String, HostTensor> overrides) throws Exception {
        LlamaConfig c = w.config();
        int d = c.dModel();
        int f = c.dMlp();
        int kv = c.nKvHeads() * c.dHead();
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", HostTensor.f32(new long[] {512, d}, w.embed()));
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer y = w.layers().get(l);
            String p = "model.layers." + l + ".";
            t.put(p + "self_attn.q_proj.weight", HostTensor.f32(new long[] {d, d}, permute(y.wq(), c.nHeads(), d, d)));
            t.put(p + "self_attn.k_proj.weight", HostTensor.f32(new long[] {kv, d}, permute(y.wk(), c.nKvHeads(), kv, d)));
            t.put(p + "self_attn.v_proj.weight", HostTensor.f32(new long[] {kv, d}, y.wv()));
            t.put(p + "self_attn.o_proj.weight", HostTensor.f32(new long[] {d, d}, y.wo()));
            t.put(p + "mlp.gate_proj.weight", HostTensor.f32(new long[] {f, d}, y.w1()));
            t.put(p + "mlp.up_proj.weight", HostTensor.f32(new long[] {f, d}, y.w3()));
            t.put(p + "mlp.down_proj.weight", HostTensor.f32(new long[] {d, f}, y.w2()));
            t.put(p + "input_layernorm.weight", HostTensor.f32(new long[] {d}, y.attnNorm()));
            t.put(p + "post_attention_layernorm.weight", HostTensor.f32(new long[] {d}, y.ffnNorm()));
        }
        t.put("model.norm.weight", HostTensor.f32(new long[] {d}, w.finalNorm()));
        if (!tied) {
            t.put("lm_head.weight", HostTensor.f32(new long[] {512, d}, w.embed().clone()));
        }
        t.putAll(overrides);
        SafeTensors.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 172,
                 "num_attention_heads": 8, "num_key_value_heads": 4, "num_hidden_layers": 5, "rms_norm_eps": 1e-05,
                 "rope_theta": 10000.0, "vocab_size": 512, "max_position_embeddings": 512, "hidden_act": "silu",
                 "tie_word_embeddings": %s, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
                """.formatted(tied));
        Files.copy(DIR.resolve("tok512.bin"), dir.resolve("tok512.bin"));
        return dir;
    }

    @Test
    void hfLayoutGivesTheSameLogitsAsLlama2c(@TempDir Path tiedDir, @TempDir Path untiedDir) throws Exception {
        writeHf(w, tiedDir, true, Map.of());
        writeHf(w, untiedDir, false, Map.of());
        int[] ids = reference.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved", true);
        try (NDScope s = new NDScope();
                LanguageModel tied = ModelFamilies.load(tiedDir, ND.get());
                LanguageModel untied = LlamaLoader.loadHf(untiedDir, ND.get());
                NDManager m = ND.get().newSubManager()) {
            assertThat(((LlamaModel) tied).ropeStyle()).isEqualTo(RopeStyle.HALF);
            assertThat(tied.config()).isEqualTo(reference.config());
            // weights() exposes exactly the file's tensors under their HF names
            SafeTensors.File file = SafeTensors.read(tiedDir.resolve("model.safetensors"));
            Map<String, NDArray> named = ((LlamaModel) tied).weights();
            assertThat(named.keySet()).containsExactlyInAnyOrderElementsOf(file.tensors().keySet());
            for (String name : named.keySet()) {
                assertThat(named.get(name).toFloatArray()).as(name).containsExactly(file.get(name).toFloatArray());
            }
            assertThat(((LlamaModel) untied).weights()).containsKey("lm_head.weight");
            NDArray tokens = m.create(ids, new Shape(1, ids.length));
            NDArray expected = reference.forward(tokens);                               // [1, T, V]
            // Identical up to float32 rounding: the permuted head dimensions change the order in which
            // q·k sums (seen: 1.05e-5 at logits up to 22, about 5 ulp)
            double tol = LlamaModelTest.tolerance(expected);
            assertThat(LlamaModelTest.maxAbsDiff(tied.forward(tokens), expected)).isLessThan(tol);
            assertThat(LlamaModelTest.maxAbsDiff(untied.forward(tokens), expected)).isLessThan(tol);
            // without the q/k permutation, rotate_half RoPE would give different numbers: the test can fail
            LlamaModel wrongStyle = new LlamaModel(new LlamaWeights(w.config().withRopeStyle(RopeStyle.HALF), w.embed(),
                    w.layers(), w.finalNorm(), null), reference.tokenizer(), ND.get());
            assertThat(LlamaModelTest.maxAbsDiff(wrongStyle.forward(tokens), expected)).isGreaterThan(1e-3);
            wrongStyle.close();
        }
    }

    @Test
    void shapeMismatchNamesFileTensorExpectedAndFound(@TempDir Path dir) throws Exception {
        writeHf(w, dir, true, Map.of("model.layers.3.self_attn.k_proj.weight", HostTensor.f32(new long[] {64, 64}, new float[64 * 64])));
        assertThatThrownBy(() -> LlamaLoader.loadHf(dir, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("model.layers.3.self_attn.k_proj.weight")
                .hasMessageContaining("[64, 64]")
                .hasMessageContaining("expected [32, 64]");
    }

    @Test
    void missingTensorsAndBadConfigsAreNamed(@TempDir Path dir, @TempDir Path dir2) throws Exception {
        writeHf(w, dir, false, Map.of());
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"rope_theta\": 10000.0", "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \"llama3\"}"));
        assertThatThrownBy(() -> LlamaLoader.loadHf(dir, ND.get())).hasMessageContaining("config.json").hasMessageContaining("rope_scaling");
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"rope_scaling\": {\"rope_type\": \"llama3\"}", "\"rope_scaling\": null")
                .replace("\"hidden_size\": 64,", ""));
        assertThatThrownBy(() -> LlamaLoader.loadHf(dir, ND.get())).hasMessageContaining("required field hidden_size is missing");

        // untied config but no lm_head.weight in the file
        writeHf(w, dir2, true, Map.of());
        Files.writeString(dir2.resolve("config.json"), Files.readString(dir2.resolve("config.json"))
                .replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        assertThatThrownBy(() -> LlamaLoader.loadHf(dir2, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("lm_head.weight")
                .hasMessageContaining("tie_word_embeddings=false");
        Files.writeString(dir2.resolve("config.json"), Files.readString(dir2.resolve("config.json"))
                .replace("\"model_type\": \"llama\"", "\"model_type\": \"llamaX\""));
        assertThatThrownBy(() -> ModelFamilies.load(dir2, ND.get()))
                .hasMessageContaining("unknown model_type 'llamaX'")
                .hasMessageContaining("llama");
    }
}
