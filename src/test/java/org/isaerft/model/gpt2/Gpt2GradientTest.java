package org.isaerft.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Gradients through a hook replacement: blocks.1.hook_resid_pre := x + p with p [d_model]
 * requiring grad; backward from the mean next-token loss. Checked against central finite
 * differences computed on a float64 copy of the same model (float32 loss differences are too
 * noisy for a 1e-3 relative check).
 */
class Gpt2GradientTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static Gpt2Model model;
    static Gpt2Model model64;
    static SafeTensors.File expected;
    static final HookPoint POINT = HookPoint.residPre(1);

    @BeforeAll
    static void load() {
        Path dir = Shared.path("fixtures/gpt2-tiny");
        expected = SafeTensors.read(dir.resolve("expected.safetensors"));
        model = Gpt2Model.load(dir, ND.get());
        model64 = Gpt2Model.load(dir, ND.get(), DataType.FLOAT64);
    }

    @AfterAll
    static void close() {
        model.close();
        model64.close();
    }

    /** d(mean loss)/dp at p = 0, float32, optionally with a forced GC between forward and backward. */
    static float[] gradient(boolean gcBetweenForwardAndBackward) {
        try (NDManager m = ND.get().newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);                 // [2, 16]
            NDArray targets = expected.get("targets").toNDArray(m);               // [2, 16]
            NDArray p = m.zeros(new Shape(64));                                   // [64]
            p.setRequiresGradient(true);
            Hooks hooks = Hooks.builder().add(POINT, (x, pt) -> x.add(p)).build();
            NDArray loss = LanguageModel.tokenLoss(model.forward(tokens, hooks), targets).mean(); // []
            assertThat((double) loss.getFloat()).isCloseTo(6.920984745025635, org.assertj.core.data.Offset.offset(1e-5));
            if (gcBetweenForwardAndBackward) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    System.runFinalization();
                }
            }
            gc.backward(loss);
            for (var e : model.weights().entrySet()) {
                assertThat(e.getValue().hasGradient()).as("weight %s must stay frozen", e.getKey()).isFalse();
            }
            return p.getGradient().toFloatArray();
        }
    }

    /** Mean loss with p = delta·e_i, in float64. */
    static double loss64(int i, double delta) {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);
            NDArray targets = expected.get("targets").toNDArray(m);
            double[] pv = new double[64];
            pv[i] = delta;
            NDArray p = m.create(pv).duplicate();                                 // [64] float64
            Hooks hooks = Hooks.builder().add(POINT, (x, pt) -> x.add(p)).build();
            return LanguageModel.tokenLoss(model64.forward(tokens, hooks), targets).mean().getDouble();
        }
    }

    @Test
    void hookReplacementGradientMatchesFiniteDifferences() {
        float[] g = gradient(false);
        assertThat(g).hasSize(64);
        int largest = 0;
        for (int i = 0; i < g.length; i++) {
            assertThat(Float.isFinite(g[i])).as("gradient[%d] finite", i).isTrue();
            if (Math.abs(g[i]) > Math.abs(g[largest])) {
                largest = i;
            }
        }
        assertThat(Math.abs(g[largest])).isGreaterThan(1e-4f);
        double h = 1e-4;
        for (int i : new int[] {largest, 7, 40}) {
            double fd = (loss64(i, h) - loss64(i, -h)) / (2 * h);
            assertThat((double) g[i]).as("coordinate %d: autograd %s vs finite difference %s", i, g[i], fd)
                    .isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-3 * Math.abs(fd) + 1e-7));
        }
    }

    @Test
    void forcedGcBetweenForwardAndBackwardChangesNothing() {
        float[] plain = gradient(false);
        float[] withGc = gradient(true);
        assertThat(withGc).containsExactly(plain);
    }

    @Test
    void float64ModelAgreesWithFloat32Model() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray tokens = expected.get("tokens").toNDArray(m);
            NDArray l64 = model64.forward(tokens);                                // [2, 16, 1000] float64
            assertThat(l64.getDataType()).isEqualTo(DataType.FLOAT64);
            Gpt2FixtureTest.assertClose("logits (float64 model)", l64.toType(DataType.FLOAT32, false), expected.get("logits"));
        }
    }
}
