package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class SaeResolverTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    @TempDir
    Path tmp;

    /** A fake hub: serves files from a map of repo path → local source file, recording each request. */
    static final class FakeHub implements SaeFetcher {
        final Path root;
        final Map<String, Path> files;
        final List<String> calls = new ArrayList<>();

        FakeHub(Path root, Map<String, Path> files) {
            this.root = root;
            this.files = files;
        }

        @Override
        public Path fetch(String repoId, String revision, String path) {
            calls.add(repoId + "@" + revision + ":" + path);
            Path src = files.get(path);
            if (src == null) {
                throw new IllegalArgumentException("404 " + repoId + ":" + path);
            }
            Path dst = root.resolve(repoId.replace('/', '_')).resolve(path);
            try {
                Files.createDirectories(dst.getParent());
                if (!Files.exists(dst)) {
                    Files.copy(src, dst);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return dst;
        }
    }

    @Test
    void catalogueListsTheApolloAndNeuronpediaSaes() {
        PretrainedSaes cat = PretrainedSaes.load(Path.of("configs/pretrained_saes.yaml"));
        PretrainedSaes.Release apollo = cat.release("gpt2-small-e2e-apollo").orElseThrow();
        assertThat(apollo.repoId()).isEqualTo("apollo-research/e2e-saes-gpt2");
        assertThat(apollo.format()).isEqualTo("apollo_e2e");
        List<String> ids = apollo.saes().stream().map(PretrainedSaes.Entry::id).toList();
        assertThat(ids).hasSize(18).doesNotHaveDuplicates();
        for (String kind : List.of("local", "e2e", "downstream")) {
            for (String metric : List.of("ce", "l0")) {
                for (int layer : List.of(2, 6, 10)) {
                    String id = kind + "_similar_" + metric + "_layer_" + layer;
                    assertThat(apollo.sae(id).path()).isEqualTo(id + ".pt");
                    assertThat(apollo.sae(id).extra()).containsEntry("hook", "blocks." + layer + ".hook_resid_pre");
                }
            }
        }
        for (String v : List.of("sce", "scefr", "scl", "sle", "slefr", "sll")) {
            PretrainedSaes.Release r = cat.release("gpt2-small-res_" + v + "-ajt").orElseThrow();
            assertThat(r.repoId()).isEqualTo("neuronpedia/gpt2-small__res_" + v + "-ajt");
            assertThat(r.format()).isEqualTo("saelens");
            assertThat(r.sae("blocks.6.hook_resid_pre").path()).isEqualTo("6-res_" + v + "-ajt");
        }
    }

    @Test
    void apolloReleaseIsFetchedAsPtPlusYaml() {
        Path fx = Shared.path("fixtures/sae-tiny/apollo-e2e");
        FakeHub hub = new FakeHub(tmp, Map.of(
                "e2e_similar_ce_layer_6.pt", fx.resolve("samples_400000.pt"),
                "e2e_similar_ce_layer_6.yaml", fx.resolve("final_config.yaml")));
        SaeResolver r = new SaeResolver(PretrainedSaes.load(Path.of("configs/pretrained_saes.yaml")), hub);
        try (Sae sae = r.resolve("gpt2-small-e2e-apollo/e2e_similar_ce_layer_6", SaeLoadOptions.defaults(), ND.get());
             Sae direct = SaeFormats.load(fx, SaeLoadOptions.defaults(), ND.get())) {
            assertThat(hub.calls).containsExactly(
                    "apollo-research/e2e-saes-gpt2@main:e2e_similar_ce_layer_6.yaml",
                    "apollo-research/e2e-saes-gpt2@main:e2e_similar_ce_layer_6.pt");
            assertThat(sae.id()).isEqualTo("gpt2-small-e2e-apollo/e2e_similar_ce_layer_6");
            assertThat(sae.config().format()).isEqualTo("apollo_e2e");
            HostTensor x = SafeTensors.read(fx.resolve("expected.safetensors")).get("input_raw");
            NDArray xa = ND.get().create(x.toFloatArray(), new Shape(x.shape()));
            assertThat(sae.encode(xa).sub(direct.encode(xa)).abs().max().getFloat()).isEqualTo(0f);
        }
    }

    @Test
    void saeLensReleaseFetchesTheFolderAndAppliesConfigOverrides() {
        Path fx = Shared.path("fixtures/sae-tiny/saelens");
        FakeHub hub = new FakeHub(tmp, Map.of(
                "6-res_sll-ajt/cfg.json", fx.resolve("cfg.json"),
                "6-res_sll-ajt/sae_weights.safetensors", fx.resolve("sae_weights.safetensors")));
        SaeResolver r = new SaeResolver(PretrainedSaes.load(Path.of("configs/pretrained_saes.yaml")), hub);
        try (Sae sae = r.resolve("gpt2-small-res_sll-ajt/blocks.6.hook_resid_pre", SaeLoadOptions.defaults(), ND.get())) {
            assertThat(hub.calls).containsExactly(
                    "neuronpedia/gpt2-small__res_sll-ajt@main:6-res_sll-ajt/cfg.json",
                    "neuronpedia/gpt2-small__res_sll-ajt@main:6-res_sll-ajt/sae_weights.safetensors");
            // the fixture cfg says center_writing_weights: false; the release overrides it
            assertThat(sae.config().inputNormalization()).isEqualTo(InputNormalization.CENTER);
        }
    }

    @Test
    void localPathsAreLoadedDirectlyAndUnknownSpecsExplainThemselves() {
        SaeResolver r = new SaeResolver(PretrainedSaes.load(Path.of("configs/pretrained_saes.yaml")), (a, b, c) -> {
            throw new AssertionError("no fetch expected");
        });
        try (Sae sae = r.resolve(Shared.path("fixtures/sae-tiny/saelens/jumprelu").toString(), SaeLoadOptions.defaults(), ND.get())) {
            assertThat(sae).isInstanceOf(JumpReluSae.class);
        }
        assertThatThrownBy(() -> r.resolve("no-such-release/x", SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("neither an existing path nor RELEASE/ID").hasMessageContaining("gpt2-small-e2e-apollo");
        assertThatThrownBy(() -> r.resolve("gpt2-small-e2e-apollo/e2e_similar_ce_layer_7", SaeLoadOptions.defaults(), ND.get()))
                .hasMessageContaining("no SAE 'e2e_similar_ce_layer_7'").hasMessageContaining("e2e_similar_ce_layer_6");
    }

    @Test
    void catalogueErrorsNameTheRelease() throws IOException {
        Path y = tmp.resolve("bad.yaml");
        Files.writeString(y, "schema_version: 1\nrel:\n  repo_id: a/b\n  format: nope\n  saes:\n  - id: x\n    path: y\n");
        assertThatThrownBy(() -> PretrainedSaes.load(y)).hasMessageContaining("unknown SAE format 'nope'");
        Files.writeString(y, "schema_version: 1\nrel:\n  format: saelens\n  saes:\n  - id: x\n    path: y\n");
        assertThatThrownBy(() -> PretrainedSaes.load(y)).hasMessageContaining("release 'rel'").hasMessageContaining("repo_id");
    }
}
