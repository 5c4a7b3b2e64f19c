package org.isaerft.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.testing.TestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {
    static final String REPO = "acme/tiny-model";
    static final String MAIN = "0123456789abcdef0123456789abcdef01234567";
    static final String OLD = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;
    @RegisterExtension
    final TestServer server = new TestServer();
    FakeHub hub;
    byte[] weights;
    byte[] config;

    @BeforeEach
    void start() throws IOException {
        weights = new byte[200_000];
        new Random(7).nextBytes(weights);
        config = "{\"model_type\": \"gpt2\"}\n".getBytes(StandardCharsets.UTF_8);
        hub = new FakeHub().branch("main", MAIN).lfs(REPO, "sub/model.bin", weights).git(REPO, "config.json", config);
        server.setDispatcher(hub);
    }

    Path home() {
        return tmp.resolve("hf-home");
    }

    HubClient.Builder client(Map<String, String> extraEnv) {
        var env = new java.util.HashMap<String, String>();
        env.put("HF_ENDPOINT", server.url("/").toString());
        env.put("HF_HOME", home().toString());
        env.put("ISAERFT_MIRROR", "");
        env.putAll(extraEnv);
        return HubClient.builder().env(env).quiet(true).maxRetries(2).backoff(Duration.ofMillis(1));
    }

    HubClient client() {
        return client(Map.of()).build();
    }

    Path repoDir() {
        return home().resolve("hub").resolve("models--acme--tiny-model");
    }

    /** Every regular file or link left in the cache (relative), excluding lock files. */
    List<String> cacheFiles() throws IOException {
        Path root = home().resolve("hub");
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(".locks/"))
                    .sorted().toList();
        }
    }

    @Test
    void downloadsIntoTheHubCacheLayoutWithRefsAndVerifiedBlob() throws Exception {
        Path p = client().fetch(HubFile.model(REPO, "main", "sub/model.bin"));

        String sha = FakeHub.sha256(weights);
        assertThat(p).isEqualTo(repoDir().resolve("snapshots/" + MAIN + "/sub/model.bin"));
        assertThat(Files.readAllBytes(p)).isEqualTo(weights);
        assertThat(Files.isSymbolicLink(p)).isTrue();
        assertThat(p.getParent().resolve(Files.readSymbolicLink(p)).normalize()).isEqualTo(repoDir().resolve("blobs/" + sha));
        assertThat(Files.readString(repoDir().resolve("refs/main"))).isEqualTo(MAIN);
        assertThat(HubClient.sha256(repoDir().resolve("blobs/" + sha))).isEqualTo(sha);
        assertThat(cacheFiles()).containsExactly(
                "models--acme--tiny-model/blobs/" + sha,
                "models--acme--tiny-model/refs/main",
                "models--acme--tiny-model/snapshots/" + MAIN + "/sub/model.bin");

        RecordedRequest head = server.takeRequest();
        assertThat(head.getMethod()).isEqualTo("HEAD");
        assertThat(head.getUrl().encodedPath()).isEqualTo("/acme/tiny-model/resolve/main/sub/model.bin");
        RecordedRequest get = server.takeRequest();
        assertThat(get.getMethod()).isEqualTo("GET");
        assertThat(get.getHeaders().get("Authorization")).isNull();
        assertThat(get.getHeaders().get("Range")).isNull();
    }

    @Test
    void secondCallIsServedFromTheCacheWithoutAnyRequest() {
        HubFile f = HubFile.model(REPO, "main", "config.json");
        Path first = client().fetch(f);
        int after = server.getRequestCount();
        assertThat(after).isEqualTo(2);

        Path second = client().fetch(f);
        assertThat(second).isEqualTo(first);
        assertThat(server.getRequestCount()).isEqualTo(after);
        // the non-LFS file is stored under its git etag, with the W/ and quotes stripped
        assertThat(Files.exists(repoDir().resolve("blobs/" + FakeHub.sha256(config).substring(0, 40)))).isTrue();

        // offline mode reads the same cache entry through refs/main
        Path offline = client(Map.of("HF_HUB_OFFLINE", "1")).build().fetch(f);
        assertThat(offline).isEqualTo(first);
        assertThat(server.getRequestCount()).isEqualTo(after);
    }

    @Test
    void commitHashRevisionIsUsedDirectlyInTheUrlAndSnapshot() throws Exception {
        HubFile f = HubFile.model(REPO, OLD, "config.json");
        Path p = client().fetch(f);

        assertThat(p).isEqualTo(repoDir().resolve("snapshots/" + OLD + "/config.json"));
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/acme/tiny-model/resolve/" + OLD + "/config.json");
        assertThat(Files.exists(repoDir().resolve("refs"))).as("no ref is written for a pinned commit").isFalse();

        int n = server.getRequestCount();
        assertThat(client(Map.of("HF_HUB_OFFLINE", "1")).build().fetch(f)).isEqualTo(p);
        assertThat(client().fetch(f)).isEqualTo(p);
        assertThat(server.getRequestCount()).isEqualTo(n);

        // the same content at another revision reuses the blob: a HEAD, no GET
        int gets = hub.gets.get();
        Path atMain = client().fetch(HubFile.model(REPO, "main", "config.json").withSha256(FakeHub.sha256(config)));
        assertThat(atMain).isEqualTo(repoDir().resolve("snapshots/" + MAIN + "/config.json"));
        assertThat(Files.readSymbolicLink(atMain).getFileName()).isEqualTo(Files.readSymbolicLink(p).getFileName());
        assertThat(hub.gets.get()).isEqualTo(gets);
        assertThat(server.getRequestCount()).isEqualTo(n + 1);
    }

    @Test
    void notFoundNamesRepoFileAndRevisionAndLeavesCacheClean() throws Exception {
        assertThatThrownBy(() -> client().fetch(HubFile.model(REPO, "main", "missing.safetensors")))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessageContaining("not found: repo acme/tiny-model, file missing.safetensors, revision main");
        assertThatThrownBy(() -> client().fetch(HubFile.model(REPO, "v9", "config.json")))
                .isInstanceOf(HubException.NotFound.class)
                .hasMessageContaining("revision v9");
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void unauthorizedWithoutTokenAsksForHfTokenAndTokenIsSentAsBearer() throws Exception {
        hub.requiredToken = "hf_s3cret";
        HubFile f = HubFile.model(REPO, "main", "config.json");
        assertThatThrownBy(() -> client().fetch(f))
                .isInstanceOf(HubException.Unauthorized.class)
                .hasMessageContaining("HF_TOKEN")
                .hasMessageContaining("a token is needed")
                .hasMessageContaining("repo acme/tiny-model, file config.json, revision main");
        assertThat(cacheFiles()).isEmpty();

        assertThatThrownBy(() -> client(Map.of("HF_TOKEN", "hf_wrong")).build().fetch(f))
                .isInstanceOf(HubException.Unauthorized.class)
                .hasMessageContaining("invalid")
                .hasMessageNotContaining("hf_wrong");
        assertThat(cacheFiles()).isEmpty();

        int before = server.getRequestCount();
        for (int i = 0; i < before; i++) {
            server.takeRequest();
        }
        Path p = client(Map.of("HF_TOKEN", "hf_s3cret")).build().fetch(f);
        assertThat(Files.readAllBytes(p)).isEqualTo(config);
        RecordedRequest head = server.takeRequest();
        RecordedRequest get = server.takeRequest();
        assertThat(head.getHeaders().get("Authorization")).isEqualTo("Bearer hf_s3cret");
        assertThat(get.getHeaders().get("Authorization")).isEqualTo("Bearer hf_s3cret");
    }

    @Test
    void truncatedBodyIsATypedErrorAndNothingPassesAsGood() throws Exception {
        hub.truncate = true;
        HubFile f = HubFile.model(REPO, "main", "sub/model.bin");
        String sha = FakeHub.sha256(weights);
        assertThatThrownBy(() -> client().fetch(f))
                .isInstanceOf(HubException.Truncated.class)
                .hasMessageContaining("expected " + weights.length + " bytes")
                .hasMessageContaining("file sub/model.bin");
        assertThat(hub.gets.get()).as("bounded retries: first attempt + 2").isEqualTo(3);

        // only the resumable partial file remains: no blob, no snapshot, no ref
        assertThat(cacheFiles()).containsExactly("models--acme--tiny-model/blobs/" + sha + ".incomplete");
        assertThat(Files.size(repoDir().resolve("blobs/" + sha + ".incomplete"))).isLessThan(weights.length);
        assertThat(client().fromCache(f)).isEmpty();
        assertThatThrownBy(() -> client(Map.of("HF_HUB_OFFLINE", "1")).build().fetch(f))
                .isInstanceOf(HubException.Offline.class);
    }

    /** A download of sub/model.bin cut off half-way (no retries): only its .incomplete remains. */
    HubFile interruptedDownload() {
        hub.truncate = true;
        HubFile f = HubFile.model(REPO, "main", "sub/model.bin");
        assertThatThrownBy(() -> client(Map.of()).maxRetries(0).build().fetch(f)).isInstanceOf(HubException.Truncated.class);
        hub.truncate = false;
        return f;
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest() throws Exception {
        HubFile f = interruptedDownload();
        String sha = FakeHub.sha256(weights);
        long partial = Files.size(repoDir().resolve("blobs/" + sha + ".incomplete"));
        assertThat(partial).isEqualTo(weights.length / 2);

        int n = server.getRequestCount();
        for (int i = 0; i < n; i++) {
            server.takeRequest();
        }
        Path p = client().fetch(f);
        assertThat(server.takeRequest().getMethod()).isEqualTo("HEAD");
        RecordedRequest get = server.takeRequest();
        assertThat(get.getHeaders().get("Range")).isEqualTo("bytes=" + partial + "-");
        assertThat(get.getBodySize()).isZero();
        assertThat(Files.readAllBytes(p)).isEqualTo(weights);
        assertThat(cacheFiles()).containsExactly(
                "models--acme--tiny-model/blobs/" + sha,
                "models--acme--tiny-model/refs/main",
                "models--acme--tiny-model/snapshots/" + MAIN + "/sub/model.bin");
    }

    @Test
    void aCorruptIncompleteBlobBetweenTwoDownloadsIsDetectedAndRestarted() throws Exception {
        HubFile f = interruptedDownload();
        String sha = FakeHub.sha256(weights);
        Path incomplete = repoDir().resolve("blobs/" + sha + ".incomplete");
        byte[] partial = Files.readAllBytes(incomplete);
        partial[partial.length / 3] ^= (byte) 0xff;
        Files.write(incomplete, partial);

        Path p = client().fetch(f);
        assertThat(HubClient.sha256(p)).isEqualTo(sha);
        assertThat(Files.readAllBytes(p)).isEqualTo(weights);
        assertThat(hub.gets.get()).as("interrupted GET, resumed GET, full GET after the hash failed").isEqualTo(3);
        assertThat(cacheFiles()).containsExactly(
                "models--acme--tiny-model/blobs/" + sha,
                "models--acme--tiny-model/refs/main",
                "models--acme--tiny-model/snapshots/" + MAIN + "/sub/model.bin");
    }

    @Test
    void serverIgnoringRangeRestartsFromTheBeginning() throws Exception {
        HubFile f = interruptedDownload();
        hub.ignoreRange = true;
        Path p = client().fetch(f);
        assertThat(Files.readAllBytes(p)).isEqualTo(weights);
        assertThat(HubClient.sha256(p)).isEqualTo(FakeHub.sha256(weights));
    }

    @Test
    void lfsContentNotMatchingItsEtagIsDeletedAndReported() throws Exception {
        byte[] evil = weights.clone();
        evil[1234] ^= 1;
        hub.corruptWith = evil;
        HubFile f = HubFile.model(REPO, "main", "sub/model.bin");
        assertThatThrownBy(() -> client().fetch(f))
                .isInstanceOfSatisfying(HubException.IntegrityMismatch.class, e -> {
                    assertThat(e.expected()).isEqualTo(FakeHub.sha256(weights));
                    assertThat(e.found()).isEqualTo(FakeHub.sha256(evil));
                })
                .hasMessageContaining("repo acme/tiny-model, file sub/model.bin, revision main")
                .hasMessageContaining("expected " + FakeHub.sha256(weights))
                .hasMessageContaining("found " + FakeHub.sha256(evil));
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void registrySha256IsCheckedForNonLfsFiles() throws Exception {
        String wrong = "ab".repeat(32);
        HubFile f = HubFile.model(REPO, "main", "config.json").withSha256(wrong);
        assertThatThrownBy(() -> client().fetch(f))
                .isInstanceOf(HubException.IntegrityMismatch.class)
                .hasMessageContaining("expected " + wrong)
                .hasMessageContaining("found " + FakeHub.sha256(config));
        assertThat(cacheFiles()).isEmpty();

        Path ok = client().fetch(HubFile.model(REPO, "main", "config.json").withSha256(FakeHub.sha256(config)));
        assertThat(Files.readAllBytes(ok)).isEqualTo(config);
        // a later request expecting another hash is refused even from the cache, and the entry is dropped
        assertThatThrownBy(() -> client(Map.of("HF_HUB_OFFLINE", "1")).build().fetch(f))
                .isInstanceOf(HubException.IntegrityMismatch.class);
        assertThat(client().fromCache(HubFile.model(REPO, "main", "config.json"))).isEmpty();
    }

    @Test
    void serverErrorsAreRetriedWithBackoffThenSucceed() throws Exception {
        hub.failNext5xx = 2;
        Path p = client().fetch(HubFile.model(REPO, "main", "config.json"));
        assertThat(Files.readAllBytes(p)).isEqualTo(config);
        assertThat(server.getRequestCount()).isEqualTo(4);

        hub.failNext5xx = 100;
        assertThatThrownBy(() -> client().fetch(HubFile.model(REPO, "main", "sub/model.bin")))
                .isInstanceOf(HubException.Transfer.class)
                .hasMessageContaining("HTTP 503")
                .hasMessageContaining("file sub/model.bin");
    }

    @Test
    void timeoutsAreRetried() throws Exception {
        hub.stallNext = 1;
        var http = new okhttp3.OkHttpClient.Builder().readTimeout(Duration.ofMillis(300)).build();
        Path p = client(Map.of()).httpClient(http).build().fetch(HubFile.model(REPO, "main", "config.json"));
        assertThat(Files.readAllBytes(p)).isEqualTo(config);
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void mirrorIsConsultedFirstAndChecked() throws Exception {
        Path mirror = tmp.resolve("mirror");
        Files.createDirectories(mirror.resolve("acme/tiny-model/sub"));
        Files.write(mirror.resolve("acme/tiny-model/sub/model.bin"), weights);
        Files.createDirectories(mirror.resolve("sub"));
        Files.write(mirror.resolve("config.json"), config);
        HubClient c = client(Map.of("ISAERFT_MIRROR", mirror.toString())).build();

        assertThat(c.fetch(HubFile.model(REPO, "main", "sub/model.bin").withSha256(FakeHub.sha256(weights))))
                .isEqualTo(mirror.resolve("acme/tiny-model/sub/model.bin"));
        assertThat(c.fetch(HubFile.model(REPO, "main", "config.json"))).isEqualTo(mirror.resolve("config.json"));
        assertThat(server.getRequestCount()).isZero();

        String wrong = "00".repeat(32);
        assertThatThrownBy(() -> c.fetch(HubFile.model(REPO, "main", "config.json").withSha256(wrong)))
                .isInstanceOf(HubException.IntegrityMismatch.class)
                .hasMessageContaining("mirror")
                .hasMessageContaining("expected " + wrong);
        assertThat(Files.readAllBytes(mirror.resolve("config.json"))).as("the mirror is never modified").isEqualTo(config);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void offlineNeverTouchesTheNetwork() {
        HubClient c = client(Map.of("HF_HUB_OFFLINE", "1")).build();
        assertThat(c.offline()).isTrue();
        assertThatThrownBy(() -> c.fetch(HubFile.model(REPO, "main", "config.json")))
                .isInstanceOf(HubException.Offline.class)
                .hasMessageContaining("HF_HUB_OFFLINE")
                .hasMessageContaining("repo acme/tiny-model, file config.json, revision main")
                .hasMessageContaining(repoDir().toString());
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void datasetsUseTheirOwnUrlPrefixAndCacheFolder() throws Exception {
        hub.lfs("datasets/acme/stories", "data/train.bin", weights);
        Path p = client().fetch(new HubFile(RepoType.DATASET, "acme/stories", "main", "data/train.bin", null));
        assertThat(p).isEqualTo(home().resolve("hub/datasets--acme--stories/snapshots/" + MAIN + "/data/train.bin"));
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/datasets/acme/stories/resolve/main/data/train.bin");
    }

    @Test
    void environmentDefaultsFollowHuggingfaceHub() {
        HubClient c = HubClient.builder().env(Map.of("HF_HOME", "/x/hf", "ISAERFT_MIRROR", "none")).build();
        assertThat(c.endpoint()).isEqualTo("https://huggingface.co");
        assertThat(c.cacheDir()).isEqualTo(Path.of("/x/hf/hub"));
        assertThat(c.mirror()).isEmpty();
        assertThat(c.offline()).isFalse();
        assertThat(c.hasToken()).isFalse();
        assertThat(c.url(HubFile.model("openai-community/gpt2", "main", "model.safetensors")).toString())
                .isEqualTo("https://huggingface.co/openai-community/gpt2/resolve/main/model.safetensors");
        HubClient d = HubClient.builder().env(Map.of("HF_HUB_CACHE", "/y/cache", "HF_ENDPOINT", "http://m:8080/",
                "HF_HUB_OFFLINE", "true", "HF_TOKEN", "t")).build();
        assertThat(d.cacheDir()).isEqualTo(Path.of("/y/cache"));
        assertThat(d.endpoint()).isEqualTo("http://m:8080");
        assertThat(d.offline()).isTrue();
        assertThat(d.hasToken()).isTrue();
        // with no ISAERFT_MIRROR, the given project's <shared>/models is the default mirror when it exists; no project, no mirror
        assertThat(HubClient.builder().env(Map.of()).home(org.isaerft.TestHome.HOME).build().mirror())
                .contains(org.isaerft.TestHome.HOME.shared().resolve("models"));
        assertThat(HubClient.builder().env(Map.of()).build().mirror()).isEmpty();
    }

    @Test
    void defaultMirrorIsTheGivenProjectsSharedModelsFolder() throws IOException {
        var home = new org.isaerft.config.ProjectHome(tmp.resolve("proj"), tmp.resolve("sh"));
        assertThat(HubClient.builder().env(Map.of()).home(home).build().mirror()).isEmpty();
        Files.createDirectories(tmp.resolve("sh/models"));
        assertThat(HubClient.builder().env(Map.of()).home(home).build().mirror()).contains(tmp.resolve("sh/models"));
        assertThat(HubClient.builder().env(Map.of("ISAERFT_MIRROR", "off")).home(home).build().mirror()).isEmpty();
    }

    @Test
    void lfsRedirectsToAnotherHostAreFollowedWithoutTheToken() throws Exception {
        try (MockWebServer cdn = new MockWebServer()) {
            cdn.setDispatcher(new mockwebserver3.Dispatcher() {
                @Override
                public mockwebserver3.MockResponse dispatch(RecordedRequest r) {
                    String want = "/blob/" + FakeHub.sha256(weights);
                    return r.getUrl().encodedPath().equals(want)
                            ? new mockwebserver3.MockResponse.Builder().body(new okio.Buffer().write(weights)).build()
                            : new mockwebserver3.MockResponse.Builder().code(404).build();
                }
            });
            cdn.start();
            hub.cdn = cdn.url("/");
            Path p = client(Map.of("HF_TOKEN", "hf_tok")).build().fetch(HubFile.model(REPO, "main", "sub/model.bin"));
            assertThat(Files.readAllBytes(p)).isEqualTo(weights);
            assertThat(p).isEqualTo(repoDir().resolve("snapshots/" + MAIN + "/sub/model.bin"));
            assertThat(cdn.getRequestCount()).as("HEAD reads the metadata from the redirect; only GET goes to the CDN").isEqualTo(1);
            RecordedRequest get = cdn.takeRequest();
            assertThat(get.getMethod()).isEqualTo("GET");
            assertThat(get.getHeaders().get("Authorization")).isNull();
            assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer hf_tok");
        }
    }

    @Test
    void progressIsShownForLargeFilesUnlessQuiet() {
        var buf = new java.io.ByteArrayOutputStream();
        var ps = new java.io.PrintStream(buf, true, StandardCharsets.UTF_8);
        client(Map.of()).quiet(false).progressTo(ps).progressThreshold(100_000).build()
                .fetch(HubFile.model(REPO, "main", "sub/model.bin"));
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("sub/model.bin").contains("100%");

        var quietBuf = new java.io.ByteArrayOutputStream();
        client(Map.of()).quiet(true).progressTo(new java.io.PrintStream(quietBuf)).progressThreshold(1).build()
                .fetch(HubFile.model(REPO, OLD, "sub/model.bin"));
        // small files stay silent too
        client(Map.of()).progressTo(new java.io.PrintStream(quietBuf)).build().fetch(HubFile.model(REPO, OLD, "config.json"));
        assertThat(quietBuf.size()).isZero();
    }

    @Test
    void anUnknownHostFailsAtOnceWithAHint() {
        HubClient c = HubClient.builder().env(Map.of("HF_ENDPOINT", "http://no-such-host.invalid", "HF_HOME", home().toString(),
                "ISAERFT_MIRROR", "")).backoff(Duration.ofSeconds(30)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> c.fetch(HubFile.model(REPO, "main", "config.json")))
                .isInstanceOf(HubException.Transfer.class)
                .hasMessageContaining("cannot reach http://no-such-host.invalid")
                .hasMessageContaining("HF_HUB_OFFLINE=1")
                .hasMessageContaining("file config.json");
        assertThat(System.nanoTime() - t0).as("no 30 s backoff").isLessThan(20_000_000_000L);
    }

    @Test
    void invalidFileReferencesAreRejected() {
        assertThatThrownBy(() -> HubFile.model("acme/x", "main", "../etc/passwd")).hasMessageContaining("'../etc/passwd'");
        assertThatThrownBy(() -> HubFile.model("not a repo", "main", "a")).hasMessageContaining("invalid hub repo id");
        assertThatThrownBy(() -> HubFile.model("acme/x", "main", "a").withSha256("xyz")).hasMessageContaining("64 hex");
    }
}
