package org.isaerft.adapter;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Adapters on the real runtimes: gpt2-tiny with the SAELens fixture SAE, and stories260K. */
class RealModelAdapterTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    static TestSae saelensFixture() {
        var f = SafeTensors.read(Shared.path("fixtures/sae-tiny/saelens/sae_weights.safetensors"));
        return new TestSae(ND.get(), HookPoint.parse("blocks.1.hook_resid_pre"), f.get("W_enc", 64, 256).toFloatArray(),
                f.get("b_enc", 256).toFloatArray(), f.get("W_dec", 256, 64).toFloatArray(), f.get("b_dec", 64).toFloatArray());
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void identityAtInitOnGpt2TinyWithTheSaelensFixture() {
        try (LanguageModel lm = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), ND.get()); TestSae sae = saelensFixture()) {
            var exp = SafeTensors.read(Shared.path("fixtures/sae-tiny/saelens/expected.safetensors"));
            var tokens = SafeTensors.read(Shared.path("fixtures/gpt2-tiny/expected.safetensors")).get("tokens").toIntArray();
            try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
                // the test SAE reproduces the fixture's SAELens latents
                NDArray x = exp.get("input").toNDArray(m);
                assertThat(maxDiff(sae.encode(x).toFloatArray(), exp.get("latents").toFloatArray())).isLessThan(1e-5);
                NDArray t = m.create(tokens, new Shape(2, 16)).duplicate();
                float[] base = lm.forward(t).toFloatArray();
                for (AdapterKind k : AdapterKind.values()) {
                    try (Adapter a = Adapters.create(ND.get(), new Adapters.Spec(k, 256, 32, FfnnAdapter.Act.GELU, 1))) {
                        float[] adapted = lm.forward(t, AdapterSplice.hooks(sae, a)).toFloatArray();
                        assertThat(maxDiff(base, adapted)).as(k.id()).isLessThanOrEqualTo(1e-6);
                        // a non-trivial adapter does change the logits
                        NDArray p = a.parameters().values().iterator().next();
                        p.addi(m.ones(p.getShape()));
                        float[] moved = lm.forward(t, AdapterSplice.hooks(sae, a)).toFloatArray();
                        if (k != AdapterKind.FFNN) { // ffnn: W1 alone moves nothing while W2 = 0
                            assertThat(maxDiff(base, moved)).as(k.id()).isGreaterThan(1e-3);
                        }
                    }
                }
            }
        }
    }

    @Test
    void generateSourcesSampleDeterministicallyFromTheModel() {
        String yaml = """
                schema_version: 1
                name: gen
                description: stories the model tells about a dog
                expected_concepts: [dog]
                data:
                  sources:
                    - generate: {prompt: "Once upon a time, there was a dog", count: 6, max_new_tokens: 40, temperature: 1.0, seed: 5}
                split: {heldout_fraction: 0.34, seed: 1}
                """;
        var card = TaskCards.parse(yaml, "gen.yaml");
        assertThatThrownBy(() -> DatasetBuilder.build(card, p -> java.nio.file.Path.of(p), null))
                .hasMessageContaining("a generate source needs a model");
        try (LanguageModel lm = ModelFamilies.load(Shared.path("models/stories260K"), ND.get())) {
            TaskDataset a = DatasetBuilder.build(card, p -> java.nio.file.Path.of(p), lm);
            TaskDataset b = DatasetBuilder.build(card, p -> java.nio.file.Path.of(p), lm);
            assertThat(a).isEqualTo(b);
            assertThat(a.train().size() + a.heldout().size()).isEqualTo(6);
            assertThat(a.heldout()).hasSize(2);
            java.util.Set<String> texts = new java.util.HashSet<>();
            for (var d : a.train()) {
                assertThat(d.text()).startsWith("Once upon a time, there was a dog");
                assertThat(d.text().length()).isGreaterThan("Once upon a time, there was a dog".length() + 20);
                texts.add(d.text());
            }
            assertThat(texts).hasSize(a.train().size()); // seed + i: different samples
        }
    }

    @Test
    void trainingOnTheDogsCardLowersHeldOutLossOnStories260K() {
        try (LanguageModel lm = ModelFamilies.load(Shared.path("models/stories260K"), ND.get());
                TestSae sae = new TestSae(ND.get(), HookPoint.residPre(2), 64, 256, 11, 0.15, -0.05)) {
            TaskDataset data = DatasetBuilder.build(TaskCards.load("dogs", TestHome.HOME));
            try (NDScope s = new NDScope(); NDManager m = ND.get().newSubManager()) {
                NDArray t = m.create(lm.tokenizer().encode("Once upon a time, a dog", true), new Shape(1, 9)).duplicate();
                float[] base = lm.forward(t).toFloatArray();
                try (Adapter a = Adapters.create(ND.get(), new Adapters.Spec(AdapterKind.FFNN, 256, 16, FfnnAdapter.Act.RELU, 3))) {
                    assertThat(maxDiff(base, lm.forward(t, AdapterSplice.hooks(sae, a)).toFloatArray())).isLessThanOrEqualTo(1e-6);
                }
            }
            TrainConfig cfg = TrainConfig.builder().component(AdapterKind.SCALE).lr(0.02).steps(20).batch(8).seq(64).seed(1)
                    .evalWindows(16).build();
            AdapterTrainer.Result res = new AdapterTrainer(lm, sae, cfg, new PrintStream(new ByteArrayOutputStream())).train(data);
            try (Adapter a = res.adapter()) {
                assertThat(res.baseTaskLoss()).isBetween(0.5, 3.0); // stories260K is good on TinyStories
                assertThat(res.adaptedTaskLoss()).isLessThan(res.baseTaskLoss());
            }
        }
    }
}
