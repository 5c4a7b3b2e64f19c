package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.nio.file.Path;
import org.isaerft.model.HookPoint;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every format against the independently computed numpy outputs in fixtures/sae-tiny. */
class SaeFixturesTest {
    static final double TOL = 1e-5;
    @RegisterExtension
    static final TestManager ND = new TestManager();

    static Path fixture(String rel) {
        return Shared.path("fixtures/sae-tiny/" + rel);
    }

    static NDArray nd(HostTensor t) {
        return ND.get().create(t.toFloatArray(), new Shape(t.shape()));
    }

    static void assertClose(String what, NDArray actual, HostTensor expected) {
        assertThat(actual.getShape().getShape()).as(what + " shape").isEqualTo(expected.shape());
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - e[i]));
        }
        assertThat(max).as(what + " max abs diff").isLessThanOrEqualTo(TOL);
    }

    @Test
    void apolloE2eMatchesNumpy() {
        Path dir = fixture("apollo-e2e");
        assertThat(SaeFormats.detect(dir).name()).isEqualTo("apollo_e2e");
        SafeTensors.File exp = SafeTensors.read(dir.resolve("expected.safetensors"));
        try (Sae sae = SaeFormats.load(dir, SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae).isInstanceOf(ReluSae.class);
            assertThat(sae.hookPoint()).isEqualTo(HookPoint.parse("blocks.1.hook_resid_pre"));
            assertThat(sae.dIn()).isEqualTo(64);
            assertThat(sae.dSae()).isEqualTo(256);
            assertThat(sae.id()).isEqualTo("samples_400000");
            NDArray x = nd(exp.get("input_raw"));
            NDArray xin = sae.toInputSpace(x);
            assertClose("input_centred", xin, exp.get("input_centred"));
            assertClose("pre_acts", sae.preActivations(xin), exp.get("pre_acts"));
            NDArray c = sae.encode(x);
            assertClose("latents", c, exp.get("latents"));
            assertClose("reconstruction", sae.decode(c), exp.get("reconstruction"));
            assertClose("dict_elements", sae.decoderDirections().transpose(), exp.get("dict_elements"));
            // toRaw keeps the centring (identity)
            assertClose("toRaw", sae.toRaw(sae.decode(c)), exp.get("reconstruction"));
            // a missing centring step would have been caught: the raw-input latents differ
            NDArray rawLatents = sae.activate(sae.preActivations(x));
            assertClose("latents_from_raw_input (diagnostic)", rawLatents, exp.get("latents_from_raw_input"));
            assertThat(rawLatents.sub(c).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void apolloLoadAllAndHookSelection() {
        Path dir = fixture("apollo-e2e");
        var all = SaeFormats.loadAll(dir, SaeLoadOptions.defaults(), ND.get());
        try {
            assertThat(all).hasSize(1);
            assertThat(all.get(0).hookPoint().name()).isEqualTo("blocks.1.hook_resid_pre");
        } finally {
            all.forEach(Sae::close);
        }
        assertThatThrownBy(() -> SaeFormats.load(dir, SaeLoadOptions.atHook(HookPoint.residPre(6)), ND.get()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no SAE at blocks.6.hook_resid_pre")
                .hasMessageContaining("blocks.1.hook_resid_pre");
    }

    @Test
    void saeLensStandardMatchesNumpy() {
        checkSaeLens(fixture("saelens"), ReluSae.class);
    }

    @Test
    void saeLensJumpReluMatchesNumpy() {
        checkSaeLens(fixture("saelens/jumprelu"), JumpReluSae.class);
    }

    private void checkSaeLens(Path dir, Class<?> type) {
        assertThat(SaeFormats.detect(dir).name()).isEqualTo("saelens");
        SafeTensors.File exp = SafeTensors.read(dir.resolve("expected.safetensors"));
        try (Sae sae = SaeFormats.load(dir, SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae).isInstanceOf(type);
            assertThat(sae.config().inputNormalization()).isEqualTo(InputNormalization.NONE);
            assertThat(sae.hookPoint().name()).isEqualTo("blocks.1.hook_resid_pre");
            NDArray x = nd(exp.get("input"));
            assertClose("hidden_pre", sae.preActivations(sae.toInputSpace(x)), exp.get("hidden_pre"));
            NDArray c = sae.encode(x);
            assertClose("latents", c, exp.get("latents"));
            assertClose("reconstruction", sae.toRaw(sae.decode(c)), exp.get("reconstruction"));
        }
    }

    @Test
    void sparsifyTopKMatchesNumpy() {
        Path dir = fixture("sparsify");
        assertThat(SaeFormats.detect(dir).name()).isEqualTo("sparsify");
        SafeTensors.File exp = SafeTensors.read(dir.resolve("expected.safetensors"));
        try (Sae sae = SaeFormats.load(dir, SaeLoadOptions.atHook(HookPoint.residPre(1)), ND.get())) {
            assertThat(sae).isInstanceOf(TopKSae.class);
            TopKSae topk = (TopKSae) sae;
            assertThat(topk.k()).isEqualTo(8);
            NDArray x = nd(exp.get("input"));
            NDArray pre = sae.preActivations(sae.toInputSpace(x));
            assertClose("pre_acts", Activation.relu(pre), exp.get("pre_acts"));
            NDList top = topk.topActivations(pre);
            assertClose("top_acts (sorted)", top.get(0), exp.get("top_acts"));
            assertThat(top.get(1).toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray())
                    .as("top_indices (sorted)").containsExactly(exp.get("top_indices").toIntArray());
            NDArray c = sae.encode(x);
            assertClose("latents", c, exp.get("latents"));
            float[] lat = c.toFloatArray();
            for (int t = 0; t < 32; t++) {
                int nz = 0;
                for (int j = 0; j < 256; j++) {
                    nz += lat[t * 256 + j] != 0 ? 1 : 0;
                }
                assertThat(nz).as("active latents of token " + t).isEqualTo(8);
            }
            assertClose("reconstruction", sae.decode(c), exp.get("reconstruction"));
        }
    }

    @Test
    void sparsifyNeedsAHookUnlessTheFolderNamesOne() {
        assertThatThrownBy(() -> SaeFormats.load(fixture("sparsify"), SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("does not record the hook point")
                .hasMessageContaining("'sparsify'");
        assertThat(SparsifyFormat.hookForDirectory("layers.6")).contains(HookPoint.parse("blocks.6.hook_resid_post"));
        assertThat(SparsifyFormat.hookForDirectory("h.3")).contains(HookPoint.parse("blocks.3.hook_resid_post"));
        assertThat(SparsifyFormat.hookForDirectory("model.layers.10.mlp")).contains(HookPoint.parse("blocks.10.hook_mlp_out"));
        assertThat(SparsifyFormat.hookForDirectory("gpt_neox.layers.2.attention")).contains(HookPoint.parse("blocks.2.hook_attn_out"));
        assertThat(SparsifyFormat.hookForDirectory("embed_tokens")).isEmpty();
    }
}
