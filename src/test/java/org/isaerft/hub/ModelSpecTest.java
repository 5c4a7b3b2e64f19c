package org.isaerft.hub;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {
    /** From ../shared/models/stories260K/README.md. */
    static final String STORIES_BIN_SHA = "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696";
    static final String TOK_SHA = "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312";
    static final String MAIN = "1111111111111111111111111111111111111111";

    @TempDir
    Path tmp;
    @RegisterExtension
    final TestServer server = new TestServer();
    FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub().branch("main", MAIN);
        server.setDispatcher(hub);
    }

    HubClient client(String mirror) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", server.url("/").toString());
        env.put("HF_HOME", tmp.resolve("hf").toString());
        if (mirror != null) {
            env.put("ISAERFT_MIRROR", mirror);
        }
        return HubClient.builder().env(env).home(TestHome.HOME).quiet(true).maxRetries(0).backoff(Duration.ZERO).build();
    }

    Path registry(String yaml) throws IOException {
        Path p = tmp.resolve("models.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void stories260KAliasResolvesToTheSharedMirrorWithoutNetwork() {
        // the project registry and the default mirror (../shared/models): no ISAERFT_MIRROR set
        ModelSpec spec = ModelSpec.resolve("stories260K", ModelRegistry.project(TestHome.HOME), client(null));
        Path expected = Shared.path("models/stories260K");
        assertThat(spec.dir()).isEqualTo(expected);
        assertThat(spec.alias()).isPresent();
        assertThat(spec.alias().get().format()).isEqualTo("llama2c");
        assertThat(HubClient.sha256(spec.dir().resolve("stories260K.bin"))).isEqualTo(STORIES_BIN_SHA);
        assertThat(HubClient.sha256(spec.dir().resolve("tok512.bin"))).isEqualTo(TOK_SHA);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void aMirrorCopyWithTheWrongHashIsRefused() throws IOException {
        Path mirror = tmp.resolve("mirror/stories260K");
        Files.createDirectories(mirror);
        Files.copy(Shared.path("models/stories260K/stories260K.bin"), mirror.resolve("stories260K.bin"));
        Files.write(mirror.resolve("tok512.bin"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ModelSpec.resolve("stories260K", ModelRegistry.project(TestHome.HOME), client(tmp.resolve("mirror").toString())))
                .isInstanceOf(HubException.IntegrityMismatch.class)
                .hasMessageContaining("file stories260K/tok512.bin")
                .hasMessageContaining("expected " + TOK_SHA);
    }

    @Test
    void aliasFilesAreDownloadedIntoOneSnapshotDirectory() throws IOException {
        byte[] cfg = "{\"model_type\": \"gpt2\"}".getBytes(StandardCharsets.UTF_8);
        byte[] weights = new byte[5000];
        weights[17] = 42;
        hub.git("acme/gpt", "config.json", cfg).lfs("acme/gpt", "model.safetensors", weights);
        ModelRegistry reg = ModelRegistry.load(registry("""
                schema_version: 1
                models:
                  tiny: {repo: acme/gpt, files: [config.json, model.safetensors]}
                """));
        ModelSpec spec = ModelSpec.resolve("tiny", reg, client("none"));
        assertThat(spec.dir()).isEqualTo(tmp.resolve("hf/hub/models--acme--gpt/snapshots/" + MAIN));
        assertThat(Files.readAllBytes(spec.dir().resolve("config.json"))).isEqualTo(cfg);
        assertThat(Files.readAllBytes(spec.dir().resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(spec.alias().get().revision()).isEqualTo("main");
        int n = server.getRequestCount();
        assertThat(n).isEqualTo(4);
        assertThat(ModelSpec.resolve("tiny", reg, client("none")).dir()).isEqualTo(spec.dir());
        assertThat(server.getRequestCount()).isEqualTo(n);
    }

    @Test
    void filesFromMirrorAndHubAreAssembledInOneDirectory() throws IOException {
        Path mirror = tmp.resolve("mirror");
        Files.createDirectories(mirror.resolve("acme/gpt"));
        Files.writeString(mirror.resolve("acme/gpt/config.json"), "{}");
        byte[] weights = new byte[300];
        hub.lfs("acme/gpt", "model.safetensors", weights);
        ModelRegistry reg = ModelRegistry.load(registry("""
                schema_version: 1
                models:
                  tiny:
                    repo: acme/gpt
                    files:
                      - config.json
                      - {path: model.safetensors}
                """));
        ModelSpec spec = ModelSpec.resolve("tiny", reg, client(mirror.toString()));
        assertThat(spec.dir().getParent()).isEqualTo(tmp.resolve("hf/hub/isaerft-models"));
        assertThat(Files.readString(spec.dir().resolve("config.json"))).isEqualTo("{}");
        assertThat(Files.readAllBytes(spec.dir().resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(ModelSpec.resolve("tiny", reg, client(mirror.toString())).dir()).isEqualTo(spec.dir());
    }

    @Test
    void aDirectoryIsItsOwnSpecAndUnknownNamesListTheAliases() throws IOException {
        Path dir = Shared.path("fixtures/gpt2-tiny");
        assertThat(ModelSpec.resolve(dir.toString(), ModelRegistry.project(TestHome.HOME), client("none")).dir()).isEqualTo(dir);
        assertThatThrownBy(() -> ModelSpec.resolve("gpt7-ultra", ModelRegistry.project(TestHome.HOME), client("none")))
                .hasMessageContaining("unknown model 'gpt7-ultra'")
                .hasMessageContaining("stories260K")
                .hasMessageContaining("gpt2")
                .hasMessageContaining("models.yaml");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void projectRegistryDeclaresTheKnownAliases() {
        ModelRegistry reg = ModelRegistry.project(TestHome.HOME);
        ModelRegistry.Entry s = reg.get("stories260K").orElseThrow();
        assertThat(s.repo()).isEqualTo("karpathy/tinyllamas");
        assertThat(s.hubFiles()).extracting(HubFile::path).containsExactly("stories260K/stories260K.bin", "stories260K/tok512.bin");
        assertThat(s.hubFiles()).extracting(HubFile::sha256).containsExactly(STORIES_BIN_SHA, TOK_SHA);
        ModelRegistry.Entry g = reg.get("gpt2").orElseThrow();
        assertThat(g.repo()).isEqualTo("openai-community/gpt2");
        assertThat(g.repoType()).isEqualTo(RepoType.MODEL);
        assertThat(g.hubFiles()).extracting(HubFile::path).containsExactly("config.json", "model.safetensors", "tokenizer.json");
    }

    @Test
    void malformedRegistriesAreRejectedWithTheirLocation() throws IOException {
        Path v2 = registry("schema_version: 2\nmodels: {}\n");
        assertThatThrownBy(() -> ModelRegistry.load(v2)).hasMessageContaining("schema_version must be 1, found 2")
                .hasMessageContaining(v2.toString());
        Path badSha = registry("""
                schema_version: 1
                models:
                  x: {repo: a/b, files: [{path: f.bin, sha256: nothex}]}
                """);
        assertThatThrownBy(() -> ModelRegistry.load(badSha)).hasMessageContaining("alias 'x'").hasMessageContaining("sha256");
        Path noFiles = registry("schema_version: 1\nmodels:\n  x: {repo: a/b}\n");
        assertThatThrownBy(() -> ModelRegistry.load(noFiles)).hasMessageContaining("lists no files");
        Path typo = registry("schema_version: 1\nmodels:\n  x: {repo: a/b, files: [a], revison: v1}\n");
        assertThatThrownBy(() -> ModelRegistry.load(typo)).hasMessageContaining("revison");
    }
}
