package org.isaerft.sae.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schedule's values and Adam (with clipping) against a host implementation of torch.optim.Adam. */
class LrScheduleAndAdamTest {
    @Test
    void warmupIsLinearAndCosineEndsAtTheFloor() {
        LrSchedule s = new LrSchedule(1e-3, 4, 14, 0.1);
        assertThat(s.at(0)).isCloseTo(0.25e-3, within(1e-12));
        assertThat(s.at(3)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.at(4)).isCloseTo(1e-3, within(1e-12));          // decay starts at the peak
        assertThat(s.at(13)).isCloseTo(1e-4, within(1e-12));         // ... and ends at 10%
        // halfway through the decay: floor + (1 - floor) * 0.5 of the peak (cos(pi/2) = 0)
        LrSchedule odd = new LrSchedule(2.0, 0, 11, 0.0);
        assertThat(odd.at(5)).isCloseTo(1.0, within(1e-12));
        for (int i = 5; i < 13; i++) {
            assertThat(s.at(i)).isLessThan(s.at(i - 1) + 1e-15);
        }
        assertThatThrownBy(() -> s.at(14)).hasMessageContaining("outside 0..13");
        assertThatThrownBy(() -> new LrSchedule(1e-3, 20, 10, 0.1)).hasMessageContaining("warmup steps must be in 0..10");
    }

    @Test
    void adamWithClippingMatchesAHostReference() {
        float[] w0 = {0.5f, -1.0f, 2.0f, 0.0f, 1.5f, -0.25f};
        float[][] coeff = {{3, -4, 0, 1, 2, -1}, {0.1f, 0.2f, -0.3f, 0.4f, -0.5f, 0.6f}, {10, 0, -10, 5, 0, 1}};
        double lr = 0.01;
        double clip = 2.0;
        // host reference: torch.optim.Adam + clip_grad_norm_; the loss is Σ (coeff·w + w²/2) so grad = coeff + w
        double[] w = new double[6];
        double[] m = new double[6];
        double[] v = new double[6];
        for (int i = 0; i < 6; i++) {
            w[i] = w0[i];
        }
        for (int t = 1; t <= 3; t++) {
            double[] g = new double[6];
            double sq = 0;
            for (int i = 0; i < 6; i++) {
                g[i] = coeff[t - 1][i] + w[i];
                sq += g[i] * g[i];
            }
            double scale = Math.min(1, clip / (Math.sqrt(sq) + 1e-6));
            for (int i = 0; i < 6; i++) {
                double gi = g[i] * scale;
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                double mh = m[i] / (1 - Math.pow(0.9, t));
                double vh = v[i] / (1 - Math.pow(0.999, t));
                w[i] -= lr * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        try (NDManager manager = NDManager.newBaseManager(); Adam adam = new Adam(0.9, 0.999, 1e-8, clip, manager)) {
            NDArray p = manager.create(w0, new Shape(2, 3)).duplicate();
            p.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("p", p);
            for (int t = 0; t < 3; t++) {
                try (NDScope s = new NDScope()) {
                    NDArray c = manager.create(coeff[t], new Shape(2, 3)).duplicate();
                    NDArray half = manager.full(new Shape(), 0.5f);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = p.mul(c).add(p.mul(p).mul(half)).sum();
                        gc.backward(loss);
                    }
                }
                Adam.StepInfo info = adam.step(params, lr);
                assertThat(info.clipScale()).as("step " + t + " clips").isLessThan(1.0);
                assertThat(p.getGradient().abs().sum().getFloat()).as("gradient zeroed").isEqualTo(0f);
            }
            float[] got = p.toFloatArray();
            for (int i = 0; i < 6; i++) {
                assertThat((double) got[i]).as("w[" + i + "]").isCloseTo(w[i], within(1e-6));
            }
            assertThat(adam.steps()).isEqualTo(3);
            // the state round-trips through the host
            var state = adam.hostState();
            assertThat(state.keySet()).containsExactly("m.p", "v.p");
            assertThat((double) state.get("m.p").toFloatArray()[0]).isCloseTo(m[0], within(1e-6));
            try (Adam restored = new Adam(0.9, 0.999, 1e-8, clip, manager)) {
                restored.restore(state, 3);
                assertThat(restored.hostState().get("v.p").toFloatArray()).containsExactly(state.get("v.p").toFloatArray());
                assertThat(restored.steps()).isEqualTo(3);
            }
        }
    }
}
