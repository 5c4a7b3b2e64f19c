package org.isaerft.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The GPT-2 forward pass against the gpt2-tiny fixture: activations computed by llm.c's plain-C
 * reference (no shared code), compared within 1e-5 absolute for every stored tensor.
 */
class Gpt2FixtureTest {
    static final double TOL = 1e-5;
    static Path dir;
    static SafeTensors.File expected;
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static Gpt2Model model;

    @BeforeAll
    static void load() {
        dir = Shared.path("fixtures/gpt2-tiny");
        expected = SafeTensors.read(dir.resolve("expected.safetensors"));
        model = Gpt2Model.load(dir, ND.get());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void everyExpectedTensorMatchesLlmC() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);                 // [2, 16] int32
            Map<HookPoint, NDArray> acts = new LinkedHashMap<>();
            NDArray logits = model.forward(tokens, Hooks.capture(model.hookPoints(), acts));
            assertThat(acts.keySet()).containsExactlyElementsOf(model.hookPoints());

            int compared = 0;
            for (String name : expected.tensors().keySet()) {
                switch (name) {
                    case "tokens", "targets" -> { continue; }
                    case "logits" -> assertClose(name, logits, expected.get(name));
                    case "losses" -> assertClose(name,
                            LanguageModel.tokenLoss(logits, expected.get("targets").toNDArray(m)), expected.get(name));
                    default -> assertClose(name, acts.get(HookPoint.parse(name)), expected.get(name));
                }
                compared++;
            }
            // 2 layers × 10 block tensors + ln_final + logits + losses
            assertThat(compared).isEqualTo(23);

            NDArray losses = LanguageModel.tokenLoss(logits, expected.get("targets").toNDArray(m));
            assertThat((double) losses.mean().getFloat()).isCloseTo(6.920984745025635, org.assertj.core.data.Offset.offset(TOL));
            // hook_embed is wte[tok] + wpe[pos] = blocks.0.hook_resid_pre (no hook replaced anything)
            assertClose("hook_embed", acts.get(HookPoint.embed()), expected.get("blocks.0.hook_resid_pre"));
        }
    }

    @Test
    void attentionPatternIsCausalAndNormalised() {
        try (NDManager m = ND.get().newSubManager()) {
            Map<HookPoint, NDArray> acts = new LinkedHashMap<>();
            HookPoint p = HookPoint.parse("blocks.1.attn.hook_pattern");
            model.forward(expected.get("tokens").toNDArray(m), Hooks.capture(List.of(p), acts));
            NDArray pattern = acts.get(p);                                         // [2, 4, 16, 16]
            assertThat(pattern.getShape()).isEqualTo(new Shape(2, 4, 16, 16));
            float[] v = pattern.toFloatArray();
            for (int row = 0; row < 2 * 4 * 16; row++) {
                int q = row % 16;
                double sum = 0;
                for (int k = 0; k < 16; k++) {
                    float a = v[row * 16 + k];
                    if (k > q) {
                        assertThat(a).isEqualTo(0f);
                    }
                    sum += a;
                }
                assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void batchRowsAreIndependent() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);                 // [2, 16]
            float[] both = model.forward(tokens).toFloatArray();                   // [2, 16, 1000]
            int row = 16 * 1000;
            for (int b = 0; b < 2; b++) {
                NDArray one = tokens.get(b + ":" + (b + 1));                        // [1, 16]
                float[] single = model.forward(one).toFloatArray();                 // [1, 16, 1000]
                for (int i = 0; i < row; i++) {
                    assertThat(Math.abs(single[i] - both[b * row + i])).as("row %d element %d", b, i).isLessThanOrEqualTo(1e-5f);
                }
            }
        }
    }

    @Test
    void prefixLogitsEqualFullSequenceLogits() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);                 // [2, 16]
            float[] full = model.forward(tokens).toFloatArray();                   // [2, 16, 1000]
            int t = 5;
            float[] prefix = model.forward(tokens.get(":, 0:" + t)).toFloatArray(); // [2, 5, 1000]
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < t * 1000; i++) {
                    assertThat(Math.abs(prefix[b * t * 1000 + i] - full[b * 16 * 1000 + i])).isLessThanOrEqualTo(1e-5f);
                }
            }
            // and the prefix logits differ from those of a different continuation only after the prefix
            float[] expectedLogits = expected.get("logits").toFloatArray();
            assertThat(Math.abs(full[0] - expectedLogits[0])).isLessThanOrEqualTo(1e-5f);
        }
    }

    @Test
    void stopAtReturnsNullAfterThatPointAndRunsNoLaterHook() {
        try (NDManager m = ND.get().newSubManager()) {
            Map<HookPoint, NDArray> acts = new LinkedHashMap<>();
            HookPoint stop = HookPoint.residMid(0);
            Hooks hooks = Hooks.capture(model.hookPoints(), acts).toBuilder().stopAt(stop).build();
            NDArray out = model.forward(expected.get("tokens").toNDArray(m), hooks);
            assertThat(out).isNull();
            assertThat(acts.keySet()).containsExactly(HookPoint.embed(), HookPoint.residPre(0),
                    HookPoint.parse("blocks.0.ln1.hook_normalized"), HookPoint.parse("blocks.0.attn.hook_pattern"),
                    HookPoint.parse("blocks.0.hook_attn_out"), stop);
            assertClose(stop.name(), acts.get(stop), expected.get(stop.name()));
        }
    }

    @Test
    void replacingAnActivationChangesEverythingDownstreamOnly() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);
            Map<HookPoint, NDArray> acts = new LinkedHashMap<>();
            HookPoint pre1 = HookPoint.residPre(1);
            Hooks hooks = Hooks.builder()
                    .add(pre1, (x, p) -> x.zerosLike())
                    .capture(HookPoint.residMid(0), acts)
                    .capture(pre1, acts)
                    .capture(HookPoint.residMid(1), acts)
                    .build();
            NDArray logits = model.forward(tokens, hooks);
            // upstream untouched, the replaced value is what later hooks see
            assertClose("blocks.0.hook_resid_mid", acts.get(HookPoint.residMid(0)), expected.get("blocks.0.hook_resid_mid"));
            assertThat(acts.get(pre1).abs().max().getFloat()).isEqualTo(0f);
            // downstream changed: block 1 now starts from a zero residual
            float diff = logits.sub(expected.get("logits").toNDArray(m)).abs().max().getFloat();
            assertThat(diff).isGreaterThan(1e-3f);
        }
    }

    @Test
    void forwardLeavesNothingInTheWeightManager() {
        int before = model.manager().getManagedArrays().size();
        try (NDManager m = ND.get().newSubManager()) {
            Map<HookPoint, NDArray> acts = new LinkedHashMap<>();
            model.forward(expected.get("tokens").toNDArray(m), Hooks.capture(model.hookPoints(), acts));
            assertThat(m.getManagedArrays().size()).isGreaterThan(model.hookPoints().size());
        }
        assertThat(model.manager().getManagedArrays().size()).isEqualTo(before);
    }

    @Test
    void greedyGenerationFollowsTheReferenceLogits() {
        // the first greedy token after row 0 is the argmax of llm.c's logits at its last position
        float[] ref = expected.get("logits").toFloatArray();                      // [2, 16, 1000]
        int best = 0;
        for (int v = 1; v < 1000; v++) {
            if (ref[15 * 1000 + v] > ref[15 * 1000 + best]) {
                best = v;
            }
        }
        int[] prompt = java.util.Arrays.copyOf(expected.get("tokens").toIntArray(), 16);
        int[] out = model.generate(prompt, new org.isaerft.model.GenerationConfig(3, 0.0, 0, 0L, false), Hooks.none());
        assertThat(out).hasSize(3);
        assertThat(out[0]).isEqualTo(best);
        assertThat(model.tokenizer().decode(prompt)).startsWith("977 3 481 808");
    }

    @Test
    void hookPointsAreInForwardOrder() {
        List<HookPoint> points = model.hookPoints();
        assertThat(points).hasSize(1 + 2 * HookPoint.BLOCK_SITES.size() + 1);
        assertThat(points).isSorted();
        assertThat(points.get(0)).isEqualTo(HookPoint.embed());
        assertThat(points.get(points.size() - 1)).isEqualTo(HookPoint.lnFinal());
    }

    @Test
    void badTokensAndHookPointsAreRefused() {
        try (NDManager m = ND.get().newSubManager()) {
            assertThatThrownBy(() -> model.forward(m.create(new int[][] {{1, 1000}})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 1000")
                    .hasMessageContaining("[0, 1000)");
            assertThatThrownBy(() -> model.forward(m.create(new int[][] {{-1, 3}})))
                    .hasMessageContaining("token id -1");
            assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 65), ai.djl.ndarray.types.DataType.INT32)))
                    .hasMessageContaining("sequence length 65").hasMessageContaining("context length 64 (n_positions)");
            assertThatThrownBy(() -> model.forward(m.create(new int[] {1, 2, 3})))
                    .hasMessageContaining("[batch, seq]");
            assertThatThrownBy(() -> model.forward(m.create(new float[][] {{1f, 2f}})))
                    .hasMessageContaining("integer");
            // one token rule for every family (ForwardPass): int32 and int64 give the same logits, 8-bit ids are refused
            float[] l32 = model.forward(m.create(new int[][] {{1, 7, 300}})).toFloatArray();
            float[] l64 = model.forward(m.create(new long[][] {{1, 7, 300}})).toFloatArray();
            assertThat(l64).containsExactly(l32);
            for (var dt : List.of(ai.djl.ndarray.types.DataType.INT8, ai.djl.ndarray.types.DataType.UINT8)) {
                assertThatThrownBy(() -> model.forward(m.zeros(new Shape(1, 2), dt)))
                        .hasMessage("tokens must be an integer array of int32 or int64, found " + dt);
            }
            Hooks tooDeep = Hooks.builder().add("blocks.2.hook_resid_pre", (x, p) -> x).build();
            assertThatThrownBy(() -> model.forward(m.create(new int[][] {{1, 2}}), tooDeep))
                    .hasMessageContaining("blocks.2.hook_resid_pre").hasMessageContaining("2 layers");
        }
    }

    @Test
    void loadsThroughTheFamilyRegistry() {
        try (LanguageModel viaRegistry = ModelFamilies.load(dir, ND.get()); NDManager m = ND.get().newSubManager()) {
            assertThat(viaRegistry).isInstanceOf(Gpt2Model.class);
            assertThat(viaRegistry.config().dModel()).isEqualTo(64);
            assertThat(viaRegistry.config().dMlp()).isEqualTo(256);
            assertThat(viaRegistry.config().contextLength()).isEqualTo(64);
            assertThat(viaRegistry.tokenizer()).isInstanceOf(IdTokenizer.class);
            assertThat(viaRegistry.tokenizer().bosId()).hasValue(999);
            NDArray logits = viaRegistry.forward(expected.get("tokens").toNDArray(m));
            assertClose("logits", logits, expected.get("logits"));
        }
    }

    static void assertClose(String name, NDArray actual, HostTensor want) {
        assertThat(actual).as(name).isNotNull();
        assertThat(actual.getShape().getShape()).as(name + " shape").isEqualTo(want.shape());
        float[] a = actual.toFloatArray();
        float[] e = want.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertThat(worst).as("%s: max |diff| at flat index %d", name, at).isLessThanOrEqualTo(TOL);
    }
}
