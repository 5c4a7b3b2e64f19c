package org.isaerft.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.isaerft.model.ModelConfig;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link Gpt2Model#random}: seeded GPT-2-style initialisation for benchmarks and tests. */
class Gpt2RandomTest {
    static final ModelConfig SMALL = new ModelConfig("gpt2", 32, 2, 4, 4, 8, 128, 300, 16, 1e-5, "gelu_new");
    @RegisterExtension
    static final TestManager ND = new TestManager();

    static float[] logits(Gpt2Model model) {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = m.create(new int[][] {{1, 2, 3, 4, 5}, {299, 0, 7, 7, 7}});
            NDArray out = model.forward(tokens);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 5, 300));
            return out.toFloatArray();
        }
    }

    @Test
    void sameSeedSameModelDifferentSeedDifferentModel() {
        try (Gpt2Model a = Gpt2Model.random(SMALL, 7, ND.get()); Gpt2Model b = Gpt2Model.random(SMALL, 7, ND.get());
                Gpt2Model c = Gpt2Model.random(SMALL, 8, ND.get())) {
            assertThat(logits(a)).containsExactly(logits(b));
            assertThat(logits(a)).isNotEqualTo(logits(c));
            assertThat(a.config()).isEqualTo(SMALL);
            assertThat(a.tokenizer()).isInstanceOf(IdTokenizer.class);
            assertThat(a.tokenizer().bosId()).hasValue(299);
        }
    }

    @Test
    void initialisationFollowsGpt2() {
        try (Gpt2Model a = Gpt2Model.random(SMALL, 1, ND.get())) {
            assertThat(std(a.weights().get("wte.weight"))).isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.001));
            assertThat(std(a.weights().get("h.0.mlp.c_fc.weight"))).isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.001));
            // residual-output projections: 0.02 / sqrt(2 · n_layer) = 0.01
            assertThat(std(a.weights().get("h.1.mlp.c_proj.weight"))).isCloseTo(0.01, org.assertj.core.data.Offset.offset(0.0005));
            assertThat(a.weights().get("h.1.ln_2.weight").toFloatArray()).containsOnly(1f);
            assertThat(a.weights().get("h.1.attn.c_attn.bias").toFloatArray()).containsOnly(0f);
            assertThat(a.weights().get("h.1.attn.c_attn.weight").getShape()).isEqualTo(new Shape(32, 96));
        }
    }

    @Test
    void gpt2VocabularyGetsTheBpeTokenizer() {
        ModelConfig cfg = new ModelConfig("gpt2", 8, 1, 2, 2, 4, 32, 50257, 8, 1e-5, "gelu_new");
        try (Gpt2Model a = Gpt2Model.random(cfg, 1, ND.get())) {
            assertThat(a.tokenizer()).isInstanceOf(Gpt2BpeTokenizer.class);
            assertThat(a.gpt2Config().bosTokenId()).isEqualTo(50256);
        }
    }

    @Test
    void nonGpt2ConfigsAreRefused() {
        ModelConfig llama = new ModelConfig("llama", 32, 2, 4, 4, 8, 128, 300, 16, 1e-5, "silu");
        assertThatThrownBy(() -> Gpt2Model.random(llama, 1, ND.get())).hasMessageContaining("model_type 'gpt2'");
        ModelConfig relu = new ModelConfig("gpt2", 32, 2, 4, 4, 8, 128, 300, 16, 1e-5, "relu");
        assertThatThrownBy(() -> Gpt2Model.random(relu, 1, ND.get())).hasMessageContaining("gelu_new");
    }

    static double std(NDArray a) {
        float[] v = a.toFloatArray();
        double s = 0;
        double s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }
}
