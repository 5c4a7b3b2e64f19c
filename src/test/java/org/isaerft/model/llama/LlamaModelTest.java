package org.isaerft.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.model.Generation;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LlamaModelTest {
    static final Path DIR = Shared.path("models/stories260K");
    /** The 59 greedy ids after "Once upon a time", from ../shared/models/stories260K/README.md. */
    static final int[] EXPECTED = {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408,
        419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391,
        266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438};
    static final String EXPECTED_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nL";

    @RegisterExtension
    static final TestManager ND = new TestManager();
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = LlamaLoader.loadLlama2c(DIR.resolve("stories260K.bin"), DIR.resolve("tok512.bin"), ND.get());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void configFromTheHeader() {
        LlamaConfig c = model.llamaConfig();
        assertThat(c).isEqualTo(new LlamaConfig(64, 5, 8, 4, 8, 172, 512, 512, 1e-5, 10000.0, RopeStyle.INTERLEAVED, true));
        assertThat(model.config().modelType()).isEqualTo("llama");
        assertThat(model.hookPoints()).hasSize(2 + 5 * HookPoint.BLOCK_SITES.size());
        assertThat(model.hookPoints().get(0)).isEqualTo(HookPoint.embed());
        assertThat(model.hookPoints().get(model.hookPoints().size() - 1)).isEqualTo(HookPoint.lnFinal());
    }

    @Test
    void greedyGenerationMatchesLlama2c() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true);
        assertThat(prompt).containsExactly(1, 403, 407, 261, 378);
        GenerationConfig greedy = GenerationConfig.greedy(59);
        int[] cached = model.generate(prompt, greedy, Hooks.none());          // KV-cache path
        int[] full = Generation.generate(model, prompt, greedy, Hooks.none()); // recompute-everything path
        assertThat(cached).containsExactly(EXPECTED);
        assertThat(full).containsExactly(EXPECTED);
        int[] all = new int[prompt.length + cached.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(cached, 0, all, prompt.length, cached.length);
        assertThat(model.tokenizer().decode(all)).isEqualTo(EXPECTED_TEXT);
    }

    @Test
    void sampledGenerationWithTheCacheEqualsTheDefault() {
        int[] prompt = model.tokenizer().encode("The dog", true);
        GenerationConfig sampled = new GenerationConfig(24, 0.8, 20, 1234L, true);
        int[] cached = model.generate(prompt, sampled, Hooks.none());
        int[] full = Generation.generate(model, prompt, sampled, Hooks.none());
        assertThat(cached).isNotEmpty().containsExactly(full);
    }

    @Test
    void batchedGenerationGivesEachRowItsOwnSequentialResult() {
        int[] prompt = model.tokenizer().encode("The dog", true);
        List<GenerationConfig> configs = List.of(
                new GenerationConfig(30, 1.0, 0, 7L, true),
                GenerationConfig.greedy(12),                // shorter and greedy: ends while the others go on
                new GenerationConfig(0, 1.0, 0, 8L, true),  // nothing to generate
                new GenerationConfig(30, 0.7, 40, 9L, true),
                new GenerationConfig(30, 1.0, 0, 10L, true));
        int[][] prompts = new int[configs.size()][];
        Arrays.fill(prompts, prompt);
        int[][] batched = model.generateBatch(prompts, configs, Hooks.none());
        assertThat(batched).hasNumberOfRows(configs.size());
        for (int i = 0; i < configs.size(); i++) {
            int[] alone = Generation.generate(model, prompt, configs.get(i), Hooks.none()); // no cache, no batch
            assertThat(batched[i]).as("row %d", i).containsExactly(alone);
        }
        assertThat(batched[0]).hasSize(30);
        assertThat(batched[1]).containsExactly(Arrays.copyOf(
                model.generate(prompt, GenerationConfig.greedy(12), Hooks.none()), 12));
        assertThat(batched[2]).isEmpty();
        assertThat(batched[0]).isNotEqualTo(batched[4]); // different seeds, different documents
    }

    @Test
    void batchedGenerationWithPromptsOfDifferentLengthsFallsBackRowByRow() {
        int[][] prompts = {model.tokenizer().encode("Once upon a time", true), model.tokenizer().encode("The cat", true)};
        List<GenerationConfig> configs = List.of(GenerationConfig.greedy(59), new GenerationConfig(10, 1.0, 0, 3L, true));
        int[][] out = model.generateBatch(prompts, configs, Hooks.none());
        assertThat(out[0]).containsExactly(EXPECTED);
        assertThat(out[1]).containsExactly(Generation.generate(model, prompts[1], configs.get(1), Hooks.none()));
        assertThatThrownBy(() -> model.generateBatch(prompts, List.of(GenerationConfig.greedy(1)), Hooks.none()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 prompts but 1 generation configs");
        assertThatThrownBy(() -> model.generateBatch(new int[][] {{}}, List.of(GenerationConfig.greedy(1)), Hooks.none()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt 0 is empty");
    }

    @Test
    void int32AndInt64TokensGiveTheSameLogitsAndRowsAreIndependent() {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            int[] a = model.tokenizer().encode("Once upon a time there was", true);
            int[] b = model.tokenizer().encode("The cat sat on a big mat", true);
            int t = Math.min(a.length, b.length);
            int[] both = new int[2 * t];
            System.arraycopy(a, 0, both, 0, t);
            System.arraycopy(b, 0, both, t, t);
            NDArray i32 = m.create(both, new Shape(2, t));
            NDArray logits32 = model.forward(i32);                                       // [2, T, V]
            assertThat(logits32.getShape()).isEqualTo(new Shape(2, t, 512));
            NDArray logits64 = model.forward(i32.toType(DataType.INT64, true));
            assertThat(maxAbsDiff(logits32, logits64)).isZero();
            NDArray single = model.forward(m.create(Arrays.copyOf(b, t), new Shape(1, t))); // [1, T, V]
            assertThat(maxAbsDiff(logits32.get("1:2"), single)).isLessThan(tolerance(single));
            // causality: the logits of a prefix do not depend on later tokens
            NDArray prefix = model.forward(m.create(Arrays.copyOf(a, 3), new Shape(1, 3)));
            assertThat(maxAbsDiff(logits32.get("0:1, 0:3"), prefix)).isLessThan(tolerance(prefix));
        }
    }

    @Test
    void badTokensGiveSpecificErrors() {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            assertThatThrownBy(() -> model.forward(m.create(new int[] {1, 512}, new Shape(1, 2))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 512 out of range")
                    .hasMessageContaining("[0, 512)");
            assertThatThrownBy(() -> model.forward(m.create(new int[] {1, -3}, new Shape(1, 2))))
                    .hasMessageContaining("token id -3 out of range");
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 513), DataType.INT64)))
                    .hasMessageContaining("sequence length 513 exceeds the model's context length 512");
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 4), DataType.FLOAT32)))
                    .hasMessageContaining("int32 or int64");
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(4), DataType.INT32)))
                    .hasMessageContaining("[batch, seq]");
            // the same token rule as GPT-2 (ForwardPass): int64 gives the int32 logits, 8-bit ids are refused
            float[] l32 = model.forward(m.create(new int[] {1, 403, 407}, new Shape(1, 3))).toFloatArray();
            float[] l64 = model.forward(m.create(new long[] {1, 403, 407}, new Shape(1, 3))).toFloatArray();
            assertThat(l64).containsExactly(l32);
            for (DataType dt : List.of(DataType.INT8, DataType.UINT8)) {
                assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 2), dt)))
                        .hasMessage("tokens must be an integer array of int32 or int64, found " + dt);
            }
            // and hooks must name points of this model, as for GPT-2
            Hooks tooDeep = Hooks.builder().add("blocks.5.hook_resid_pre", (x, p) -> x).build();
            assertThatThrownBy(() -> model.forward(m.create(new int[] {1, 2}, new Shape(1, 2)), tooDeep))
                    .hasMessageContaining("blocks.5.hook_resid_pre").hasMessageContaining("5 layers");
        }
    }

    @Test
    void everyHookPointHasItsDocumentedShape() {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            NDArray tokens = m.create(new int[] {1, 403, 407, 261, 378, 1, 260, 270, 280, 290}, new Shape(2, 5));
            Map<HookPoint, NDArray> got = new LinkedHashMap<>();
            NDArray logits = model.forward(tokens, Hooks.capture(model.hookPoints(), got));
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 5, 512));
            assertThat(got.keySet()).containsExactlyElementsOf(model.hookPoints()); // called in forward order
            for (var e : got.entrySet()) {
                Shape expected = switch (e.getKey().site()) {
                    case HookPoint.ATTN_PATTERN -> new Shape(2, 8, 5, 5);
                    case HookPoint.MLP_PRE, HookPoint.MLP_POST -> new Shape(2, 5, 172);
                    default -> new Shape(2, 5, 64);
                };
                assertThat(e.getValue().getShape()).as(e.getKey().name()).isEqualTo(expected);
            }
            // the pattern is causal and each row sums to one
            float[] p = got.get(new HookPoint(3, HookPoint.ATTN_PATTERN)).toFloatArray();
            for (int row = 0; row < 2 * 8 * 5; row++) {
                int q = row % 5;
                double sum = 0;
                for (int k = 0; k < 5; k++) {
                    float v = p[row * 5 + k];
                    if (k > q) {
                        assertThat(v).isZero();
                    }
                    sum += v;
                }
                assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
            // resid_mid = resid_pre + attn_out; resid_post = resid_mid + mlp_out; mlp_post = silu(pre) * up
            NDArray pre = got.get(HookPoint.residPre(1));
            NDArray mid = got.get(HookPoint.residMid(1));
            assertThat(maxAbsDiff(pre.add(got.get(new HookPoint(1, HookPoint.ATTN_OUT))), mid)).isLessThan(1e-6);
            assertThat(maxAbsDiff(mid.add(got.get(new HookPoint(1, HookPoint.MLP_OUT))), got.get(HookPoint.residPost(1))))
                    .isLessThan(1e-6);
            assertThat(maxAbsDiff(got.get(HookPoint.residPost(1)), got.get(HookPoint.residPre(2)))).isZero();
            // ln_final = x / sqrt(mean(x²) + 1e-5) * w of the last residual, recomputed here in double
            float[] x = got.get(HookPoint.residPost(4)).toFloatArray();
            float[] ln = got.get(HookPoint.lnFinal()).toFloatArray();
            float[] w = Llama2cCheckpoint.load(DIR.resolve("stories260K.bin")).finalNorm();
            for (int row = 0; row < 10; row++) {
                double ss = 0;
                for (int i = 0; i < 64; i++) {
                    ss += (double) x[row * 64 + i] * x[row * 64 + i];
                }
                double inv = 1 / Math.sqrt(ss / 64 + 1e-5);
                for (int i = 0; i < 64; i++) {
                    assertThat((double) ln[row * 64 + i]).isCloseTo(x[row * 64 + i] * inv * w[i],
                            org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void replacingAHookWithItselfLeavesLogitsUnchanged() {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            NDArray tokens = m.create(new int[] {1, 403, 407, 261, 378}, new Shape(1, 5));
            NDArray base = model.forward(tokens);
            Hooks same = Hooks.builder().add("blocks.2.hook_resid_pre", (x, p) -> x.add(0f).sub(0f)).build();
            assertThat(maxAbsDiff(model.forward(tokens, same), base)).isZero();
            // a real change at the same point does change the logits
            Hooks zero = Hooks.builder().add("blocks.2.hook_resid_pre", (x, p) -> x.zerosLike()).build();
            assertThat(maxAbsDiff(model.forward(tokens, zero), base)).isGreaterThan(1e-2);
        }
    }

    @Test
    void stopAtReturnsNullWithTheSameActivation() {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            NDArray tokens = m.create(new int[] {1, 403, 407, 261, 378}, new Shape(1, 5));
            HookPoint point = HookPoint.residMid(3);
            Map<HookPoint, NDArray> full = new LinkedHashMap<>();
            assertThat(model.forward(tokens, Hooks.capture(model.hookPoints(), full))).isNotNull();
            Map<HookPoint, NDArray> partial = new LinkedHashMap<>();
            Hooks stop = Hooks.capture(model.hookPoints(), partial).toBuilder().stopAt(point).build();
            assertThat(model.forward(tokens, stop)).isNull();
            assertThat(partial.keySet()).last().isEqualTo(point);
            assertThat(partial).doesNotContainKey(new HookPoint(3, HookPoint.LN2));
            assertThat(maxAbsDiff(partial.get(point), full.get(point))).isZero();
        }
    }

    @Test
    void hookReplacementsCarryGradientsAndWeightsStayFrozen() {
        float[] withGc = lossAndGrad(true);
        float[] without = lossAndGrad(false);
        for (float v : withGc) {
            assertThat(Float.isFinite(v)).isTrue();
        }
        assertThat(withGc[0]).isGreaterThan(0f);
        double gradNorm = 0;
        for (int i = 1; i < withGc.length; i++) {
            gradNorm += (double) withGc[i] * withGc[i];
        }
        assertThat(gradNorm).as("squared norm of dLoss/dp").isGreaterThan(1e-8);
        assertThat(withGc).containsExactly(without);
    }

    /** Mean next-token loss with x + p spliced in at blocks.2.hook_resid_pre; returns {loss, dLoss/dp...}. */
    private static float[] lossAndGrad(boolean gcBetween) {
        try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
            NDArray p = m.full(new Shape(64), 0.01f, DataType.FLOAT32);                  // [D]
            p.setRequiresGradient(true);
            NDArray tokens = m.create(model.tokenizer().encode("Once upon a time, there was a little girl", true));
            tokens = tokens.reshape(1, tokens.getShape().get(0));                          // [1, T]
            Hooks hooks = Hooks.builder().add("blocks.2.hook_resid_pre", (x, point) -> x.add(p)).build();
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = model.tokenLoss(tokens, hooks).mean();                        // []
                if (gcBetween) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                    }
                }
                gc.backward(l);
                loss = l.getFloat();
            }
            assertThat(model.manager().getManagedArrays()).isNotEmpty().allSatisfy(a ->
                    assertThat(a.hasGradient()).as("model weight %s has a gradient", a.getShape()).isFalse());
            float[] grad = p.getGradient().toFloatArray();
            float[] out = new float[grad.length + 1];
            out[0] = loss;
            System.arraycopy(grad, 0, out, 1, grad.length);
            return out;
        }
    }

    /**
     * Float32 agreement for logits computed along different but equivalent paths (other GEMM shapes,
     * permuted sums): 4e-6 of the largest |logit|, about 40 ulp at that magnitude.
     */
    static double tolerance(NDArray expected) {
        return 4e-6 * Math.max(1.0, expected.abs().max().getFloat());
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        assertThat(a.getShape()).isEqualTo(b.getShape());
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs((double) x[i] - y[i]));
        }
        return max;
    }

    @Test
    void aForwardLeavesNothingInTheWeightsManager() {
        int before = model.manager().getManagedArrays().size();
        try (NDManager m = ND.get().newSubManager()) { // deliberately no NDScope: results land in m
            NDArray logits = model.forward(m.create(new int[] {1, 403, 407}, new Shape(1, 3)));
            assertThat(logits.getManager()).isSameAs(m);
            model.generate(new int[] {1, 403}, GenerationConfig.greedy(3), Hooks.none());
        }
        assertThat(model.manager().getManagedArrays()).hasSize(before);
    }

    @Test
    void modelIsALanguageModel() {
        LanguageModel lm = model;
        assertThat(lm.tokenizer().vocabSize()).isEqualTo(512);
        assertThat(lm.config().contextLength()).isEqualTo(512);
    }
}
