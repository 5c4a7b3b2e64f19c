package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.isaerft.model.HookPoint;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a trainer relies on: seeded initialisation, named parameters, gradients through the forward pass. */
class SaeTrainableTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    static SaeConfig cfg(String id, boolean normalizeAtUse) {
        return SaeConfig.builder().id(id).hookPoint(HookPoint.residPre(1)).dIn(16).dSae(64)
                .inputNormalization(normalizeAtUse ? InputNormalization.CENTER : InputNormalization.NONE)
                .applyBDecToInput(!normalizeAtUse).normalizeDecoderAtUse(normalizeAtUse).build();
    }

    @Test
    void initialisationIsSeededTiedAndUnitNorm() {
        try (Sae a = Sae.initialize(cfg("a", false), 7, 1.0, ND.get()); Sae b = Sae.initialize(cfg("b", false), 7, 1.0, ND.get());
             Sae c = Sae.initialize(cfg("c", false), 8, 1.0, ND.get())) {
            assertThat(a.parameters().keySet()).containsExactly("W_enc", "b_enc", "W_dec", "b_dec");
            assertThat(a.parameter("W_dec").toFloatArray()).containsExactly(b.parameter("W_dec").toFloatArray());
            assertThat(a.parameter("W_dec").toFloatArray()).isNotEqualTo(c.parameter("W_dec").toFloatArray());
            assertThat(a.parameter("W_enc").sub(a.parameter("W_dec").transpose()).abs().max().getFloat()).isEqualTo(0f);
            float[] norms = a.parameter("W_dec").norm(new int[] {1}).toFloatArray();
            for (float n : norms) {
                assertThat(n).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
        SaeConfig jr = cfg("j", false).toBuilder().jumpRelu().build();
        try (Sae j = Sae.initialize(jr, 1, 0.1, ND.get())) {
            assertThat(j).isInstanceOf(JumpReluSae.class);
            assertThat(j.parameter("threshold").toFloatArray()[5]).isEqualTo(0.001f);
        }
    }

    @Test
    void gradientsReachEveryParameterSurvivingAGc() {
        for (boolean apolloStyle : new boolean[] {false, true}) {
            try (Sae sae = Sae.initialize(cfg("t" + apolloStyle, apolloStyle), 3, 0.5, ND.get());
                 NDManager step = ND.get().newSubManager()) {
                sae.setTrainable(true);
                NDArray x = step.randomNormal(new Shape(4, 5, 16));                       // [B, T, d_in]
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray xin = sae.toInputSpace(x);
                    NDArray err = sae.decode(sae.encode(x)).sub(xin);
                    NDArray loss = err.mul(err).mean().add(sae.encode(x).abs().mean());
                    System.gc();
                    gc.backward(loss);
                }
                for (var e : sae.parameters().entrySet()) {
                    float g = e.getValue().getGradient().abs().sum().getFloat();
                    assertThat(g).as(e.getKey() + " gradient (apollo style " + apolloStyle + ")").isGreaterThan(0f).isFinite();
                }
                sae.setTrainable(false);
            }
        }
    }
}
