package org.isaerft.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.isaerft.model.ModelFamilies;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Loading GPT-2 directories: layout variants, and specific errors for bad input. */
class Gpt2LoadTest {
    static Path fixture;
    static SafeTensors.File weights;
    static SafeTensors.File expected;
    @RegisterExtension
    static final TestManager ND = new TestManager();

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        fixture = Shared.path("fixtures/gpt2-tiny");
        weights = SafeTensors.read(fixture.resolve("model.safetensors"));
        expected = SafeTensors.read(fixture.resolve("expected.safetensors"));
    }

    /** A copy of the fixture in tmp with edited tensors and config. */
    Path variant(Consumer<Map<String, HostTensor>> editTensors, Consumer<ObjectNode> editConfig) throws IOException {
        Map<String, HostTensor> t = new LinkedHashMap<>(weights.tensors());
        editTensors.accept(t);
        SafeTensors.write(tmp.resolve("model.safetensors"), t, Map.of("format", "pt"));
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(fixture.resolve("config.json").toFile());
        editConfig.accept(cfg);
        om.writeValue(tmp.resolve("config.json").toFile(), cfg);
        return tmp;
    }

    static HostTensor zeros(long... shape) {
        return HostTensor.f32(shape, new float[Math.toIntExact(HostTensor.numel(shape))]);
    }

    static float[] logits(Path dir) {
        try (Gpt2Model m = Gpt2Model.load(dir, ND.get()); NDManager sub = ND.get().newSubManager()) {
            return m.forward(expected.get("tokens").toNDArray(sub)).toFloatArray();
        }
    }

    @Test
    void missingWeightsFileIsNamed() throws IOException {
        Files.copy(fixture.resolve("config.json"), tmp.resolve("config.json"));
        assertThatThrownBy(() -> Gpt2Model.load(tmp, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(tmp.resolve("model.safetensors").toString())
                .hasMessageContaining("file not found");
    }

    @Test
    void missingConfigIsNamed() {
        assertThatThrownBy(() -> Gpt2Model.load(tmp, ND.get()))
                .hasMessageContaining(tmp.resolve("config.json").toString()).hasMessageContaining("file not found");
    }

    @Test
    void wrongShapeNamesFileTensorExpectedAndFound() throws IOException {
        Path dir = variant(t -> t.put("h.1.mlp.c_fc.weight", zeros(64, 255)), c -> {});
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("'h.1.mlp.c_fc.weight'")
                .hasMessageContaining("shape [64, 255]")
                .hasMessageContaining("expected [64, 256]");
    }

    @Test
    void conv1dWeightStoredAsOutInIsRefused() throws IOException {
        // nn.Linear layout [out, in] instead of Conv1D [in, out]
        Path dir = variant(t -> t.put("h.0.attn.c_attn.weight", zeros(192, 64)), c -> {});
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .hasMessageContaining("'h.0.attn.c_attn.weight'").hasMessageContaining("[192, 64]").hasMessageContaining("expected [64, 192]");
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = variant(t -> t.remove("h.0.ln_2.bias"), c -> {});
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("'h.0.ln_2.bias' is missing");
    }

    @Test
    void tensorsOfAnExtraLayerAreRefused() throws IOException {
        Path dir = variant(t -> t.put("h.2.ln_1.weight", zeros(64)), c -> {});
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .hasMessageContaining("unexpected tensor 'h.2.ln_1.weight'").hasMessageContaining("n_layer=2");
    }

    @Test
    void unknownModelTypeThroughTheRegistry() throws IOException {
        Path dir = variant(t -> {}, c -> c.put("model_type", "gpt_neox_custom"));
        assertThatThrownBy(() -> ModelFamilies.load(dir, ND.get()))
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("unknown model_type 'gpt_neox_custom'")
                .hasMessageContaining("gpt2");
    }

    @Test
    void corruptSafetensorsHeader() throws IOException {
        Files.copy(fixture.resolve("config.json"), tmp.resolve("config.json"));
        byte[] original = Files.readAllBytes(fixture.resolve("model.safetensors"));
        // header length claims more bytes than the file has
        byte[] bad = original.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(0, original.length * 2L);
        Files.write(tmp.resolve("model.safetensors"), bad);
        assertThatThrownBy(() -> Gpt2Model.load(tmp, ND.get()))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(tmp.resolve("model.safetensors").toString())
                .hasMessageContaining("corrupt safetensors header");
        // header is not JSON
        byte[] garbled = original.clone();
        garbled[8] = 'X';
        Files.write(tmp.resolve("model.safetensors"), garbled);
        assertThatThrownBy(() -> Gpt2Model.load(tmp, ND.get()))
                .hasMessageContaining(tmp.resolve("model.safetensors").toString())
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void unsupportedActivationFunction() throws IOException {
        Path dir = variant(t -> {}, c -> c.put("activation_function", "relu"));
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("'activation_function' is 'relu'")
                .hasMessageContaining("gelu_new");
    }

    @Test
    void missingConfigFieldIsNamed() throws IOException {
        Path dir = variant(t -> {}, c -> c.remove("n_embd"));
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .hasMessageContaining(dir.resolve("config.json").toString()).hasMessageContaining("'n_embd' is missing");
    }

    @Test
    void nInnerNullMeansFourTimesNEmbdAndExplicitValueIsUsed() throws IOException {
        Path dir = variant(t -> {}, c -> c.put("n_inner", 128));
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get()))
                .hasMessageContaining("'h.0.mlp.c_fc.weight'").hasMessageContaining("expected [64, 128]");
        assertThat(Gpt2Config.read(fixture.resolve("config.json")).nInner()).isEqualTo(256);
    }

    @Test
    void transformerPrefixAndAttentionBuffersLoadToTheSameModel() throws IOException {
        Path dir = variant(t -> {
            Map<String, HostTensor> prefixed = new LinkedHashMap<>();
            t.forEach((k, v) -> prefixed.put("transformer." + k, v));
            prefixed.put("transformer.h.0.attn.bias", zeros(1, 1, 64, 64));
            prefixed.put("transformer.h.0.attn.masked_bias", zeros());
            t.clear();
            t.putAll(prefixed);
        }, c -> {});
        float[] got = logits(dir);
        float[] want = expected.get("logits").toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertThat(Math.abs(got[i] - want[i])).isLessThanOrEqualTo(1e-5f);
        }
    }

    @Test
    void untiedLmHeadIsUsedForLogits() throws IOException {
        // lm_head = 2·wte, so logits must be exactly twice the tied logits (llm.c's)
        float[] wte = weights.get("wte.weight").toFloatArray();
        float[] doubled = new float[wte.length];
        for (int i = 0; i < wte.length; i++) {
            doubled[i] = 2 * wte[i];
        }
        Path dir = variant(t -> t.put("lm_head.weight", HostTensor.f32(new long[] {1000, 64}, doubled)),
                c -> c.put("tie_word_embeddings", false));
        float[] got = logits(dir);
        float[] want = expected.get("logits").toFloatArray();
        for (int i = 0; i < want.length; i++) {
            assertThat(Math.abs(got[i] - 2 * want[i])).isLessThanOrEqualTo(2e-5f);
        }
    }

    @Test
    void untiedWithoutLmHeadIsRefused() throws IOException {
        Path dir = variant(t -> {}, c -> c.put("tie_word_embeddings", false));
        assertThatThrownBy(() -> Gpt2Model.load(dir, ND.get())).hasMessageContaining("'lm_head.weight' is missing");
    }

    @Test
    void float16WeightsAreWidened() throws IOException {
        // the fixture's values rounded to F16 still give logits close to llm.c's
        Path dir = variant(t -> t.replaceAll((k, v) -> toF16(v)), c -> {});
        try (Gpt2Model m = Gpt2Model.load(dir, ND.get()); NDManager sub = ND.get().newSubManager()) {
            NDArray logits = m.forward(expected.get("tokens").toNDArray(sub));
            float diff = logits.sub(expected.get("logits").toNDArray(sub)).abs().max().getFloat();
            assertThat(diff).isLessThan(5e-3f).isGreaterThan(0f);
        }
    }

    static HostTensor toF16(HostTensor t) {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray a = t.toNDArray(m).toType(ai.djl.ndarray.types.DataType.FLOAT16, false);
            ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN).put(b);
            copy.flip();
            return new HostTensor(org.isaerft.tensor.DType.F16, t.shape(), copy);
        }
    }
}
