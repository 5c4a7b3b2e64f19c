package org.isaerft.sae.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each loss against a computation on the host in double precision. */
class SaeLossesTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    static float[] random(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    @Test
    void klOfIdenticalDistributionsIsZeroAndShiftInvariant() {
        float[] a = random(2 * 3 * 7, 1, 3);
        NDArray x = ND.get().create(a, new Shape(2, 3, 7));
        assertThat(SaeLosses.kl(x, x).getFloat()).isCloseTo(0f, within(1e-7f));
        // softmax is invariant to adding a constant per token: still zero KL
        assertThat(SaeLosses.kl(x, x.add(5f)).getFloat()).isCloseTo(0f, within(2e-6f));
    }

    @Test
    void klMatchesAHostComputationFromLogits() {
        int b = 2, t = 3, v = 7;
        float[] a = random(b * t * v, 2, 2);
        float[] c = random(b * t * v, 3, 2);
        double sum = 0;
        for (int tok = 0; tok < b * t; tok++) {
            double[] lpA = logSoftmax(a, tok * v, v);
            double[] lpC = logSoftmax(c, tok * v, v);
            for (int i = 0; i < v; i++) {
                sum += Math.exp(lpA[i]) * (lpA[i] - lpC[i]);
            }
        }
        double expected = sum / (b * t);
        NDArray orig = ND.get().create(a, new Shape(b, t, v));
        NDArray spliced = ND.get().create(c, new Shape(b, t, v));
        assertThat(SaeLosses.kl(orig, spliced).getFloat()).isCloseTo((float) expected, within(1e-5f));
        assertThat(expected).isGreaterThan(0.1); // a real divergence, not a degenerate case
        // KL is not symmetric: the direction matters
        assertThat(SaeLosses.kl(spliced, orig).getFloat()).isNotCloseTo((float) expected, within(1e-3f));
    }

    @Test
    void klOfTwoPointDistributionsHasTheClosedForm() {
        // p = (1/2, 1/2), q = (e/(1+e), 1/(1+e)) from logits (1, 0): KL = log(1/2) - 0.5*log(q0) - 0.5*log(q1)
        NDArray p = ND.get().create(new float[] {0f, 0f}, new Shape(1, 1, 2));
        NDArray q = ND.get().create(new float[] {1f, 0f}, new Shape(1, 1, 2));
        double q0 = Math.E / (1 + Math.E);
        double q1 = 1 / (1 + Math.E);
        double expected = Math.log(0.5) - 0.5 * Math.log(q0) - 0.5 * Math.log(q1);
        assertThat(SaeLosses.kl(p, q).getFloat()).isCloseTo((float) expected, within(1e-6f));
    }

    @Test
    void mseAndSparsityMatchHostValues() {
        float[] a = random(4 * 5, 4, 1);
        float[] b = random(4 * 5, 5, 1);
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            se += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        assertThat(SaeLosses.mse(ND.get().create(a, new Shape(4, 5)), ND.get().create(b, new Shape(4, 5))).getFloat())
                .isCloseTo((float) (se / a.length), within(1e-6f));

        // latents [2, 3, 4] (6 tokens, 4 latents), d_in 16
        float[] c = {0, 1, 2, 0, 3, 0, 0, 0, 0.5f, 0.5f, 0, 1, 0, 0, 0, 0, 2, 2, 2, 2, 1, 0, 0, 0};
        double l1 = 0;
        for (float x : c) {
            l1 += Math.abs(x);
        }
        double expected = l1 / 6 / 16;
        NDArray inv = ND.get().full(new Shape(), 1f / 16, DataType.FLOAT32);
        assertThat(SaeLosses.sparsity(ND.get().create(c, new Shape(2, 3, 4)), inv).getFloat()).isCloseTo((float) expected, within(1e-7f));
    }

    static double[] logSoftmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(x[off + i] - max);
        }
        double lse = max + Math.log(s);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[off + i] - lse;
        }
        return out;
    }

    @Test
    void sparsityOfReluLatentsSkipsAbsWithTheSameValueAndGradient() {
        // pre-activations with exact zeros and negatives: c = relu(pre) has zeros where |.|' and 1 differ
        float[] pre = random(4 * 5 * 6, 7, 1);
        pre[0] = 0f;
        pre[7] = -0f;
        NDArray inv = ND.get().full(new Shape(), 1f / 6, DataType.FLOAT32);
        float[][] grads = new float[2][];
        float[] values = new float[2];
        for (int variant = 0; variant < 2; variant++) {
            try (ai.djl.ndarray.NDManager m = ND.get().newSubManager()) {
                NDArray p = m.create(pre, new Shape(4, 5, 6)).duplicate();
                p.setRequiresGradient(true);
                try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    NDArray c = ai.djl.nn.Activation.relu(p);
                    NDArray s = variant == 0 ? SaeLosses.sparsity(c, inv) : SaeLosses.sparsityNonNegative(c, inv);
                    gc.backward(s);
                    values[variant] = s.getFloat();
                }
                grads[variant] = p.getGradient().toFloatArray();
            }
        }
        assertThat(values[1]).isEqualTo(values[0]);
        assertThat(grads[1]).containsExactly(grads[0]);
        // and the gradient is 1/(tokens·d_in) where pre > 0, else 0
        for (int i = 0; i < pre.length; i++) {
            assertThat(grads[1][i]).as("grad %d", i).isCloseTo(pre[i] > 0 ? 1f / 20 / 6 : 0f, within(1e-9f));
        }
    }
}
