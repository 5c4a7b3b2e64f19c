package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.pt.PtWriter;
import org.isaerft.sae.pt.TorchCheckpoint;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Apollo checkpoints with several positions, and the Hugging Face upload layout. */
class ApolloLayoutsTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static Path fx;
    static TorchCheckpoint fixture;
    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        fx = Shared.path("fixtures/sae-tiny/apollo-e2e");
        fixture = TorchCheckpoint.read(fx.resolve("samples_400000.pt"));
    }

    static HostTensor scaled(HostTensor t, float s) {
        float[] a = t.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            a[i] *= s;
        }
        return HostTensor.f32(t.shape(), a);
    }

    String yaml(String... positions) {
        StringBuilder sb = new StringBuilder("saes:\n  dict_size_to_input_ratio: 4.0\n  sae_positions:\n");
        for (String p : positions) {
            sb.append("  - ").append(p).append('\n');
        }
        return sb.append("tlens_model_name: gpt2-tiny\nn_samples: 10\n").toString();
    }

    NDArray input() {
        HostTensor x = SafeTensors.read(fx.resolve("expected.safetensors")).get("input_raw");
        return ND.get().create(x.toFloatArray(), new Shape(x.shape()));
    }

    @Test
    void multiPositionCheckpointLoadsOneOrAll() throws IOException {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        String src = "blocks-1-hook_resid_pre.";
        for (String p : List.of("blocks-0-hook_resid_pre.", "blocks-1-hook_resid_pre.")) {
            float s = p.startsWith("blocks-0") ? 2f : 1f; // layer 0's encoder is the fixture's × 2
            t.put(p + "encoder.0.weight", scaled(fixture.get(src + "encoder.0.weight"), s));
            t.put(p + "encoder.0.bias", fixture.get(src + "encoder.0.bias"));
            t.put(p + "decoder.weight", fixture.get(src + "decoder.weight"));
            t.put(p + "decoder.bias", fixture.get(src + "decoder.bias"));
        }
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        PtWriter.write(run.resolve("samples_100.pt"), "samples_100", t);
        PtWriter.write(run.resolve("samples_200.pt"), "samples_200", t);
        Files.writeString(run.resolve("final_config.yaml"), yaml("blocks.0.hook_resid_pre", "blocks.1.hook_resid_pre"));

        List<Sae> all = SaeFormats.loadAll(run, SaeLoadOptions.defaults(), ND.get());
        try {
            assertThat(all).extracting(Sae::hookPoint).containsExactly(HookPoint.residPre(0), HookPoint.residPre(1));
            assertThat(all).extracting(Sae::id).containsExactly("samples_200/blocks.0.hook_resid_pre", "samples_200/blocks.1.hook_resid_pre");
            NDArray x = input();
            try (Sae ref = SaeFormats.load(fx, SaeLoadOptions.defaults(), ND.get())) {
                assertThat(all.get(1).encode(x).sub(ref.encode(x)).abs().max().getFloat()).isEqualTo(0f);
                NDArray two = ND.get().create(2f);
                NDArray expected0 = ref.activate(ref.preActivations(ref.toInputSpace(x)).sub(ref.parameter("b_enc"))
                        .mul(two).add(ref.parameter("b_enc")));
                assertThat(all.get(0).encode(x).sub(expected0).abs().max().getFloat()).isLessThan(1e-5f);
            }
        } finally {
            all.forEach(Sae::close);
        }
        assertThatThrownBy(() -> SaeFormats.load(run, SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("blocks.0.hook_resid_pre").hasMessageContaining("--sae-hook");
        try (Sae one = SaeFormats.load(run, SaeLoadOptions.atHook(HookPoint.residPre(0)), ND.get())) {
            assertThat(one.hookPoint()).isEqualTo(HookPoint.residPre(0));
        }
        try (Sae older = SaeFormats.load(run.resolve("samples_100.pt"), SaeLoadOptions.atHook(HookPoint.residPre(1)), ND.get())) {
            assertThat(older.id()).isEqualTo("samples_100/blocks.1.hook_resid_pre");
        }
    }

    @Test
    void huggingFaceUploadLayoutMatchesTheFixture() throws IOException {
        String src = "blocks-1-hook_resid_pre.";
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("encoder.weight", fixture.get(src + "encoder.0.weight"));
        t.put("encoder.bias", fixture.get(src + "encoder.0.bias"));
        t.put("decoder.weight", fixture.get(src + "decoder.weight"));
        t.put("decoder.bias", fixture.get(src + "decoder.bias"));
        PtWriter.write(tmp.resolve("e2e_similar_ce_layer_1.pt"), "e2e_similar_ce_layer_1", t);
        Files.writeString(tmp.resolve("e2e_similar_ce_layer_1.yaml"), yaml("blocks.1.hook_resid_pre"));
        SafeTensors.File exp = SafeTensors.read(fx.resolve("expected.safetensors"));
        try (Sae sae = SaeFormats.load(tmp.resolve("e2e_similar_ce_layer_1.pt"), SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae.id()).isEqualTo("e2e_similar_ce_layer_1");
            assertThat(sae.config().modelName()).isEqualTo("gpt2-tiny");
            NDArray c = sae.encode(input());
            HostTensor lat = exp.get("latents");
            HostTensor rec = exp.get("reconstruction");
            assertThat(c.sub(ND.get().create(lat.toFloatArray(), new Shape(lat.shape()))).abs().max().getFloat()).isLessThan(1e-5f);
            assertThat(sae.decode(c).sub(ND.get().create(rec.toFloatArray(), new Shape(rec.shape()))).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void wrongDecoderShapeNamesFileTensorAndShapes() throws IOException {
        String src = "blocks-1-hook_resid_pre.";
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("encoder.weight", fixture.get(src + "encoder.0.weight"));
        t.put("encoder.bias", fixture.get(src + "encoder.0.bias"));
        t.put("decoder.weight", HostTensor.f32(new long[] {256, 64}, fixture.get(src + "decoder.weight").toFloatArray()));
        t.put("decoder.bias", fixture.get(src + "decoder.bias"));
        PtWriter.write(tmp.resolve("bad.pt"), "bad", t);
        Files.writeString(tmp.resolve("bad.yaml"), yaml("blocks.1.hook_resid_pre"));
        assertThatThrownBy(() -> SaeFormats.load(tmp.resolve("bad.pt"), SaeLoadOptions.defaults(), ND.get()))
                .isInstanceOf(TensorFormatException.class).hasMessageContaining("bad.pt").hasMessageContaining("'decoder.weight'")
                .hasMessageContaining("[256, 64]").hasMessageContaining("expected [64, 256]");
    }

    @Test
    void missingConfigIsNamed() throws IOException {
        Files.copy(fx.resolve("samples_400000.pt"), tmp.resolve("lonely.pt"));
        assertThatThrownBy(() -> SaeFormats.load(tmp.resolve("lonely.pt"), SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("lonely.yaml").hasMessageContaining("final_config.yaml");
    }
}
