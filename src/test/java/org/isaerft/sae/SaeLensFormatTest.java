package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SaeLensFormatTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final TestManager ND = new TestManager();
    @TempDir
    Path tmp;

    static Path fixture() {
        return Shared.path("fixtures/sae-tiny/saelens");
    }

    static float maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    /** A SAELens dir in tmp with the fixture weights and the given cfg. */
    Path withCfg(String name, ObjectNode cfg) throws IOException {
        Path d = tmp.resolve(name);
        Files.createDirectories(d);
        Files.copy(fixture().resolve("sae_weights.safetensors"), d.resolve("sae_weights.safetensors"));
        Files.writeString(d.resolve("cfg.json"), JSON.writeValueAsString(cfg));
        return d;
    }

    static ObjectNode nestedCfg(String norm) {
        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", "standard");
        c.put("d_in", 64);
        c.put("d_sae", 256);
        c.put("dtype", "float32");
        c.put("device", "cpu");
        c.put("apply_b_dec_to_input", true);
        c.put("normalize_activations", norm);
        c.put("reshape_activations", "none");
        ObjectNode m = c.putObject("metadata");
        m.put("sae_lens_version", "6.12.1");
        m.put("model_name", "gpt2-tiny");
        m.put("hook_name", "blocks.1.hook_resid_pre");
        m.putNull("hook_head_index");
        m.put("prepend_bos", false);
        m.putObject("model_from_pretrained_kwargs").put("center_writing_weights", false);
        return c;
    }

    NDArray input() {
        HostTensor t = SafeTensors.read(fixture().resolve("expected.safetensors")).get("input");
        return ND.get().create(t.toFloatArray(), new Shape(t.shape()));
    }

    @Test
    void newNestedLayoutLoadsLikeTheFlatOne() throws IOException {
        Path d = withCfg("nested", nestedCfg("none"));
        SafeTensors.File exp = SafeTensors.read(fixture().resolve("expected.safetensors"));
        try (Sae sae = SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae.hookPoint().name()).isEqualTo("blocks.1.hook_resid_pre");
            assertThat(sae.config().modelName()).isEqualTo("gpt2-tiny");
            HostTensor lat = exp.get("latents");
            assertThat(maxDiff(sae.encode(input()), ND.get().create(lat.toFloatArray(), new Shape(lat.shape())))).isLessThan(1e-5f);
        }
    }

    @Test
    void expectedAverageOnlyInFoldsTheScalingFactor() throws IOException {
        double s = 2.5;
        Path d = withCfg("scaled", nestedCfg("expected_average_only_in"));
        try (Sae plain = SaeFormats.load(fixture(), SaeLoadOptions.defaults(), ND.get());
             Sae folded = SaeFormats.load(d, SaeLoadOptions.defaults().withNormScalingFactor(s), ND.get())) {
            NDArray x = input();
            NDArray xs = x.mul(ND.get().create((float) s));
            // folded encode(x) = SAELens encode of the scaled input; folded decode = decode / s
            assertThat(maxDiff(folded.encode(x), plain.encode(xs))).isLessThan(1e-5f);
            NDArray c = plain.encode(xs);
            assertThat(maxDiff(folded.decode(c), plain.decode(c).div(ND.get().create((float) s)))).isLessThan(1e-5f);
            assertThat(folded.config().metadata()).containsEntry("norm_scaling_factor_folded", s);
        }
    }

    @Test
    void constantNormRescaleScalesEachTokenToNormSqrtDIn() throws IOException {
        Path d = withCfg("cnr", nestedCfg("constant_norm_rescale"));
        try (Sae plain = SaeFormats.load(fixture(), SaeLoadOptions.defaults(), ND.get());
             Sae cnr = SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get())) {
            NDArray x = input();                                           // [2, 16, 64]
            float[] xv = x.toFloatArray();
            float[] coeff = new float[32];
            float[] scaled = new float[xv.length];
            for (int t = 0; t < 32; t++) {
                double ss = 0;
                for (int j = 0; j < 64; j++) {
                    ss += (double) xv[t * 64 + j] * xv[t * 64 + j];
                }
                coeff[t] = (float) (Math.sqrt(64) / Math.sqrt(ss));
                for (int j = 0; j < 64; j++) {
                    scaled[t * 64 + j] = xv[t * 64 + j] * coeff[t];
                }
            }
            NDArray xs = ND.get().create(scaled, x.getShape());
            NDArray c = cnr.encode(x);
            assertThat(maxDiff(c, plain.encode(xs))).isLessThan(1e-5f);
            NDArray back = cnr.toRaw(cnr.decode(c));
            NDArray expected = plain.decode(plain.encode(xs)).div(ND.get().create(coeff, new Shape(2, 16, 1)));
            assertThat(maxDiff(back, expected)).isLessThan(1e-5f);
        }
    }

    @Test
    void centerWritingWeightsMeansCentredInput() throws IOException {
        ObjectNode cfg = nestedCfg("none");
        ((ObjectNode) cfg.get("metadata").get("model_from_pretrained_kwargs")).put("center_writing_weights", true);
        try (Sae sae = SaeFormats.load(withCfg("centred", cfg), SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae.config().inputNormalization()).isEqualTo(InputNormalization.CENTER);
            NDArray x = input();
            float m = sae.toInputSpace(x).mean(new int[] {-1}).abs().max().getFloat();
            assertThat(m).isLessThan(1e-6f);
        }
    }

    @Test
    void saveThenLoadRoundTripsAnApolloSae() throws IOException {
        Path apollo = Shared.path("fixtures/sae-tiny/apollo-e2e");
        Path out = tmp.resolve("saved");
        NDArray x = input();
        try (Sae a = SaeFormats.load(apollo, SaeLoadOptions.defaults(), ND.get())) {
            SaeLensFormat.save(a, out, Map.of("training", "none"));
            var cfg = JSON.readTree(out.resolve("cfg.json").toFile());
            assertThat(cfg.get("schema_version").asInt()).isEqualTo(1);
            assertThat(cfg.get("metadata").get("hook_name").asText()).isEqualTo("blocks.1.hook_resid_pre");
            try (Sae b = SaeFormats.load(out, SaeLoadOptions.defaults(), ND.get())) {
                assertThat(b.config().format()).isEqualTo("saelens");
                assertThat(b.config().inputNormalization()).isEqualTo(InputNormalization.CENTER);
                assertThat(maxDiff(a.encode(x), b.encode(x))).isLessThan(1e-6f);
                assertThat(maxDiff(a.reconstruct(x), b.reconstruct(x))).isLessThan(1e-6f);
            }
        }
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList()).isEmpty();
        }
    }

    @Test
    void wrongShapeNamesFileTensorExpectedAndFound() throws IOException {
        Path d = tmp.resolve("bad");
        Files.createDirectories(d);
        Files.copy(fixture().resolve("cfg.json"), d.resolve("cfg.json"));
        SafeTensors.File good = SafeTensors.read(fixture().resolve("sae_weights.safetensors"));
        Map<String, HostTensor> w = new LinkedHashMap<>(good.tensors());
        w.put("W_enc", HostTensor.f32(new long[] {256, 64}, good.get("W_enc").toFloatArray()));
        SafeTensors.write(d.resolve("sae_weights.safetensors"), w, Map.of());
        assertThatThrownBy(() -> SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("sae_weights.safetensors").hasMessageContaining("'W_enc'")
                .hasMessageContaining("[256, 64]").hasMessageContaining("expected [64, 256]");
    }

    @Test
    void missingWeightsFileListsWhatEachFormatExpects() throws IOException {
        Path d = tmp.resolve("onlycfg");
        Files.createDirectories(d);
        Files.copy(fixture().resolve("cfg.json"), d.resolve("cfg.json"));
        assertThatThrownBy(() -> SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("onlycfg").hasMessageContaining("sae_weights.safetensors").hasMessageContaining("sae.safetensors");
    }

    @Test
    void applyBDecToInputFalseSkipsTheSubtraction() throws IOException {
        ObjectNode cfg = nestedCfg("none");
        cfg.put("apply_b_dec_to_input", false);
        try (Sae plain = SaeFormats.load(fixture(), SaeLoadOptions.defaults(), ND.get());
             Sae noSub = SaeFormats.load(withCfg("nosub", cfg), SaeLoadOptions.defaults(), ND.get())) {
            NDArray x = input();
            // (x − b_dec) W + b  vs  x W + b: they differ by exactly b_dec @ W_enc
            NDArray shift = plain.parameter("b_dec").matMul(plain.parameter("W_enc"));
            assertThat(maxDiff(noSub.preActivations(x), plain.preActivations(x).add(shift))).isLessThan(1e-5f);
            assertThat(shift.abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void oldLayoutTopKFromActivationFnKwargs() throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(fixture().resolve("cfg.json").toFile());
        cfg.remove("architecture");
        cfg.put("activation_fn_str", "topk");
        cfg.putObject("activation_fn_kwargs").put("k", 5);
        try (Sae sae = SaeFormats.load(withCfg("oldtopk", cfg), SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae).isInstanceOf(TopKSae.class);
            assertThat(((TopKSae) sae).k()).isEqualTo(5);
            float[] c = sae.encode(input()).toFloatArray();
            for (int t = 0; t < 32; t++) {
                int nz = 0;
                for (int j = 0; j < 256; j++) {
                    nz += c[t * 256 + j] > 0 ? 1 : 0;
                }
                assertThat(nz).isEqualTo(5);
            }
        }
    }

    @Test
    void finetuningScalingFactorMultipliesLatentsBeforeDecoding() throws IOException {
        Path d = tmp.resolve("ft");
        Files.createDirectories(d);
        ObjectNode cfg = (ObjectNode) JSON.readTree(fixture().resolve("cfg.json").toFile());
        cfg.put("finetuning_scaling_factor", true);
        Files.writeString(d.resolve("cfg.json"), JSON.writeValueAsString(cfg));
        SafeTensors.File good = SafeTensors.read(fixture().resolve("sae_weights.safetensors"));
        Map<String, HostTensor> w = new LinkedHashMap<>(good.tensors());
        float[] sf = new float[256];
        for (int i = 0; i < sf.length; i++) {
            sf[i] = 0.5f + i / 256f;
        }
        w.put("scaling_factor", HostTensor.f32(new long[] {256}, sf));
        SafeTensors.write(d.resolve("sae_weights.safetensors"), w, Map.of());
        try (Sae plain = SaeFormats.load(fixture(), SaeLoadOptions.defaults(), ND.get());
             Sae scaled = SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get())) {
            NDArray c = plain.encode(input());
            NDArray expected = plain.decode(c.mul(ND.get().create(sf, new Shape(256))));
            assertThat(maxDiff(scaled.decode(c), expected)).isLessThan(1e-5f);
            assertThat(maxDiff(scaled.encode(input()), c)).isEqualTo(0f);
        }
        Files.write(d.resolve("sae_weights.safetensors"), Files.readAllBytes(fixture().resolve("sae_weights.safetensors")));
        assertThatThrownBy(() -> SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get())).hasMessageContaining("'scaling_factor'");
    }

    @Test
    void gatedArchitectureIsRefusedByName() throws IOException {
        ObjectNode cfg = nestedCfg("none");
        cfg.put("architecture", "gated");
        Path d = withCfg("gated", cfg);
        assertThatThrownBy(() -> SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("architecture 'gated' is not supported");
    }

    @Test
    void missingHookNameIsNamed() throws IOException {
        ObjectNode cfg = nestedCfg("none");
        ((ObjectNode) cfg.get("metadata")).remove("hook_name");
        Path d = withCfg("nohook", cfg);
        assertThatThrownBy(() -> SaeFormats.load(d, SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("cfg.json").hasMessageContaining("hook_name");
    }
}
