package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.ModelFamilies;
import org.isaerft.model.Tokenizer;
import org.isaerft.testing.Shared;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LanguageModel#unembed} of the real families: applied to the last block's resid_post it must
 * reproduce the forward pass's logits, both the families' direct implementation and the
 * interface's hook-based default.
 */
class UnembedTest {
    @ParameterizedTest
    @ValueSource(strings = {"fixtures/gpt2-tiny", "models/stories260K"})
    void unembedOfLastResidualIsTheLogits(String rel) {
        try (NDManager root = NDManager.newBaseManager(); LanguageModel model = ModelFamilies.load(Shared.path(rel), root);
             NDScope scope = new NDScope()) {
            ModelConfig c = model.config();
            Random r = new Random(1);
            int b = 2;
            int t = 9;
            int[] ids = new int[b * t];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(c.vocabSize());
            }
            NDArray tokens = model.manager().create(ids, new Shape(b, t));
            Map<HookPoint, NDArray> sink = new HashMap<>();
            HookPoint last = HookPoint.residPost(c.nLayers() - 1);
            NDArray logits = model.forward(tokens, Hooks.builder().capture(last, sink).build()); // [B, T, V]
            NDArray resid = sink.get(last);                                                        // [B, T, D]
            float[] expected = logits.toFloatArray();
            float[] direct = model.unembed(resid).toFloatArray();
            float[] viaDefault = defaultOnly(model).unembed(resid.reshape(b * t, c.dModel())).toFloatArray();
            assertThat(direct).hasSize(expected.length);
            assertThat(viaDefault).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat(direct[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(viaDefault[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    /** The model with only the interface's default unembed. */
    static LanguageModel defaultOnly(LanguageModel m) {
        return new LanguageModel() {
            @Override
            public ModelConfig config() {
                return m.config();
            }

            @Override
            public Tokenizer tokenizer() {
                return m.tokenizer();
            }

            @Override
            public NDManager manager() {
                return m.manager();
            }

            @Override
            public List<HookPoint> hookPoints() {
                return m.hookPoints();
            }

            @Override
            public NDArray forward(NDArray tokens, Hooks hooks) {
                return m.forward(tokens, hooks);
            }

            @Override
            public void close() {}
        };
    }
}
