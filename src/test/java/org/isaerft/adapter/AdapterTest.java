package org.isaerft.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.Map;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.testing.TinyLm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Adapter components and the splice, on a small test LM and a fixed-random SAE. */
class AdapterTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static TinyLm lm;
    static TestSae sae;

    @BeforeAll
    static void setUp() {
        lm = new TinyLm(ND.get(), 16, 1);
        sae = new TestSae(ND.get(), HookPoint.residPre(0), 16, 48, 2, 0.3, -0.1);
    }

    static Adapter make(AdapterKind k) {
        return Adapters.create(ND.get(), new Adapters.Spec(k, sae.dSae(), 12, FfnnAdapter.Act.RELU, 7));
    }

    static NDArray tokens(NDManager m) {
        return m.create(lm.tokenizer().encode("The dog ran to the sea.", true), new Shape(1, 24)).duplicate();
    }

    @Test
    void everyComponentIsTheIdentityAtInit() {
        for (AdapterKind k : AdapterKind.values()) {
            try (Adapter a = make(k); NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
                NDArray t = tokens(m);
                float[] base = lm.forward(t).toFloatArray();
                float[] adapted = lm.forward(t, AdapterSplice.hooks(sae, a)).toFloatArray();
                float[] spliced = lm.forward(t, Hooks.builder().add(sae.hookPoint(),
                        (x, p) -> sae.decode(sae.encode(x))).build()).toFloatArray();
                double maxDiff = 0;
                double spliceDiff = 0;
                for (int i = 0; i < base.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(base[i] - adapted[i]));
                    spliceDiff = Math.max(spliceDiff, Math.abs(base[i] - spliced[i]));
                }
                assertThat(maxDiff).as(k.id()).isLessThanOrEqualTo(1e-6);
                // the error term matters: without it the logits would move (the SAE is lossy)
                assertThat(spliceDiff).isGreaterThan(1e-2);
            }
        }
    }

    @Test
    void componentsComputeTheirFormulas() {
        float[] c = {0f, 1.5f, 2f, 0f, 0.5f, 3f};
        try (NDManager m = ND.get().newSubManager()) {
            NDArray cArr = m.create(c, new Shape(1, 6));
            float[] s = {0.5f, -1f, 0.25f, 2f, 0f, -0.5f};
            try (ScaleAdapter a = new ScaleAdapter(ND.get(), 6, s)) {
                float[] out = a.apply(cArr).toFloatArray();
                for (int i = 0; i < 6; i++) {
                    assertThat(out[i]).isCloseTo((1 + s[i]) * c[i], within(1e-6f));
                }
            }
            try (BiasAdapter a = new BiasAdapter(ND.get(), 6, s)) {
                float[] out = a.apply(cArr).toFloatArray();
                for (int i = 0; i < 6; i++) {
                    assertThat(out[i]).isCloseTo(c[i] + s[i], within(1e-6f));
                }
            }
            // ffnn, hidden 2: W1 rows are questions, W2 columns edits
            float[] w1 = {1, 0, 0, 0, 0, 0, /* q1 */ 0, -1, 1, 0, 0, 0};
            float[] b1 = {-0.5f, -1f};
            float[] w2 = new float[12];
            w2[3 * 2] = 2f;      // W2[3, 0]: question 0 writes latent 3
            w2[5 * 2 + 1] = -1f; // W2[5, 1]: question 1 writes latent 5
            float[] b2 = {0, 0, 0, 0, 0.1f, 0};
            for (FfnnAdapter.Act act : FfnnAdapter.Act.values()) {
                try (FfnnAdapter a = new FfnnAdapter(ND.get(), 6, 2, act, w1, b1, w2, b2)) {
                    float[] out = a.apply(cArr).toFloatArray();
                    double h0 = actRef(act, c[0] - 0.5);        // −0.5
                    double h1 = actRef(act, -c[1] + c[2] - 1);  // −0.5
                    double[] expect = {c[0], c[1], c[2], c[3] + 2 * h0, c[4] + 0.1, c[5] - h1};
                    for (int i = 0; i < 6; i++) {
                        assertThat((double) out[i]).as(act + " latent " + i).isCloseTo(expect[i], within(1e-5));
                    }
                    if (act == FfnnAdapter.Act.GELU) {
                        assertThat(h0).isNotZero(); // GELU(−0.5) ≈ −0.154: really nonlinear, not ReLU
                    }
                }
            }
            // nonlinearity: doubling the input does not double the edit
            try (FfnnAdapter a = new FfnnAdapter(ND.get(), 6, 2, FfnnAdapter.Act.RELU, w1, b1, w2, new float[6])) {
                NDArray one = m.create(new float[] {1, 0, 0, 0, 0, 0}, new Shape(6));
                NDArray two = m.create(new float[] {2, 0, 0, 0, 0, 0}, new Shape(6));
                float e1 = a.apply(one).toFloatArray()[3];
                float e2 = a.apply(two).toFloatArray()[3];
                assertThat(e1).isCloseTo(1f, within(1e-6f));   // 2·relu(0.5)
                assertThat(e2).isCloseTo(3f, within(1e-6f));   // 2·relu(1.5), not 2·e1
            }
        }
        assertThatThrownBy(() -> {
            try (ScaleAdapter a = new ScaleAdapter(ND.get(), 4); NDManager m = ND.get().newSubManager()) {
                a.apply(m.zeros(new Shape(2, 5)));
            }
        }).hasMessageContaining("scale adapter expects latents [..., 4], found (2, 5)");
    }

    static double actRef(FfnnAdapter.Act act, double x) {
        if (act == FfnnAdapter.Act.RELU) {
            return Math.max(0, x);
        }
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }

    @Test
    void gradientsReachOnlyAdapterParameters() {
        for (AdapterKind k : AdapterKind.values()) {
            try (Adapter a = make(k); NDManager m = ND.get().newSubManager()) {
                a.requireGradients(true);
                try (NDScope s = new NDScope()) {
                    NDArray t = tokens(m);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = lm.tokenLoss(t, AdapterSplice.hooks(sae, a)).mean();
                        System.gc();
                        gc.backward(loss);
                    }
                    for (NDArray w : lm.weights()) {
                        assertThat(w.hasGradient()).isFalse();
                    }
                    for (NDArray w : sae.weights()) {
                        assertThat(w.hasGradient()).isFalse();
                    }
                    Map<String, NDArray> p = a.parameters();
                    for (var e : p.entrySet()) {
                        assertThat(e.getValue().hasGradient()).as(k + " " + e.getKey()).isTrue();
                    }
                    String moving = k == AdapterKind.SCALE ? "s" : k == AdapterKind.BIAS ? "b" : "W2";
                    assertThat(p.get(moving).getGradient().abs().sum().getFloat()).as(k + " " + moving).isGreaterThan(0f);
                    if (k == AdapterKind.FFNN) {
                        // W2 = 0 at init: no signal reaches the questions yet
                        assertThat(p.get("W1").getGradient().abs().sum().getFloat()).isZero();
                    }
                    for (NDArray w : p.values()) {
                        w.getGradient().subi(w.getGradient());
                    }
                }
                a.requireGradients(false);
            }
        }
    }

    @Test
    void l1PenaltyIsLambdaTimesSumOfAbs() {
        try (BiasAdapter a = new BiasAdapter(ND.get(), 3, new float[] {1f, -2f, 0.5f}); NDScope s = new NDScope();
                NDManager m = ND.get().newSubManager()) {
            assertThat(a.l1Penalty(m, 0.1).getFloat()).isCloseTo(0.35f, within(1e-6f));
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs(@TempDir Path dir) {
        for (AdapterKind k : AdapterKind.values()) {
            float[] params;
            Path sub = dir.resolve(k.id());
            try (Adapter a = make(k); NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
                // move the parameters away from init so the check is not trivial
                for (NDArray p : a.parameters().values()) {
                    p.addi(m.randomNormal(0, 0.3f, p.getShape(), p.getDataType()));
                }
                Adapters.save(a, sub);
                NDArray t = tokens(m);
                params = lm.forward(t, AdapterSplice.hooks(sae, a)).toFloatArray();
                try (Adapter b = Adapters.load(ND.get(), sub)) {
                    assertThat(b.kind()).isEqualTo(k);
                    assertThat(b.architecture()).isEqualTo(a.architecture());
                    float[] again = lm.forward(t, AdapterSplice.hooks(sae, b)).toFloatArray();
                    assertThat(again).containsExactly(params);
                }
                float[] base = lm.forward(t).toFloatArray();
                assertThat(base).isNotEqualTo(params);
            }
            var f = SafeTensors.read(sub.resolve(Adapters.FILE));
            assertThat(f.tensors().keySet()).containsExactlyElementsOf(switch (k) {
                case SCALE -> java.util.List.of("s");
                case BIAS -> java.util.List.of("b");
                case FFNN -> java.util.List.of("W1", "b1", "W2", "b2");
            });
            assertThat(f.metadata()).containsEntry("component", k.id()).containsEntry("d_sae", "48");
        }
    }

    @Test
    void loadRejectsWrongShapesAndMetadata(@TempDir Path dir) {
        Path f = dir.resolve("adapter.safetensors");
        SafeTensors.write(f, Map.of("s", org.isaerft.tensor.HostTensor.f32(new long[] {5}, new float[5])),
                Map.of("schema_version", "1", "component", "scale", "d_sae", "6"));
        assertThatThrownBy(() -> Adapters.load(ND.get(), dir)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("tensor 's' has shape [5], expected [6]");
        SafeTensors.write(f, Map.of("s", org.isaerft.tensor.HostTensor.f32(new long[] {5}, new float[5])),
                Map.of("schema_version", "1", "component", "rotate", "d_sae", "5"));
        assertThatThrownBy(() -> Adapters.load(ND.get(), f)).hasMessageContaining("unknown adapter component 'rotate'");
        SafeTensors.write(f, Map.of("s", org.isaerft.tensor.HostTensor.f32(new long[] {5}, new float[5])), Map.of());
        assertThatThrownBy(() -> Adapters.load(ND.get(), f)).hasMessageContaining("__metadata__ has no 'schema_version'");
    }
}
