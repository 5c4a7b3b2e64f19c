package org.isaerft.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.isaerft.testing.TestServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP side on its own: HEAD metadata and resumable, verified downloads into a plain file (no cache). */
class HubDownloaderTest {
    static final String REPO = HubClientTest.REPO;
    static final String MAIN = HubClientTest.MAIN;

    @TempDir
    Path tmp;
    @RegisterExtension
    final TestServer server = new TestServer();
    FakeHub hub;
    /** Content served as an LFS file (etag = sha256) and as a plain git file (etag = an opaque id); never modified. */
    static final byte[] WEIGHTS = new byte[100_000];
    static final byte[] CONFIG = "{\"vocab_size\": 512}\n".repeat(200).getBytes(StandardCharsets.UTF_8);

    static {
        new Random(11).nextBytes(WEIGHTS);
    }

    @BeforeEach
    void start() {
        hub = new FakeHub().branch("main", MAIN).lfs(REPO, "w.bin", WEIGHTS).git(REPO, "config.json", CONFIG);
        server.setDispatcher(hub);
    }

    HubDownloader downloader(int maxRetries) {
        return new HubDownloader(server.url("/").toString().replaceAll("/$", ""), null, new OkHttpClient(),
                new HubDownloader.Settings(maxRetries, Duration.ZERO, true, null, Long.MAX_VALUE));
    }

    void drainRequests() throws InterruptedException {
        for (int i = server.get().getRequestCount(); i > 0; i--) {
            server.get().takeRequest();
        }
    }

    @Test
    void headReadsCommitEtagAndSizeTheWayTheHubSendsThem() {
        HubDownloader.Meta lfs = downloader(0).head(HubFile.model(REPO, "main", "w.bin"));
        assertThat(lfs).isEqualTo(new HubDownloader.Meta(MAIN, FakeHub.sha256(WEIGHTS), WEIGHTS.length));
        assertThat(lfs.etagSha256()).isEqualTo(FakeHub.sha256(WEIGHTS));

        HubDownloader.Meta git = downloader(0).head(HubFile.model(REPO, "main", "config.json"));
        assertThat(git.etag()).as("W/ and quotes stripped").isEqualTo(FakeHub.sha256(CONFIG).substring(0, 40));
        assertThat(git.etagSha256()).isNull();
        assertThat(HubDownloader.normaliseEtag(" W/\"abc\" ")).isEqualTo("abc");
        assertThat(HubDownloader.normaliseEtag("\"\"")).isNull();
    }

    @Test
    void metaAndSettingsValidate() {
        assertThatThrownBy(() -> new HubDownloader.Meta("main", "e", 1)).hasMessageContaining("40 hex");
        assertThatThrownBy(() -> new HubDownloader.Meta(MAIN, "../x", 1)).hasMessageContaining("blob name");
        assertThatThrownBy(() -> new HubDownloader.Meta(MAIN, "e", -2)).hasMessageContaining("found -2");
        assertThatThrownBy(() -> new HubDownloader.Settings(21, Duration.ZERO, true, null, 0)).hasMessageContaining("[0, 20]");
        assertThatThrownBy(() -> new HubDownloader("not a url", null, new OkHttpClient(),
                new HubDownloader.Settings(0, Duration.ZERO, true, null, 0))).hasMessageContaining("HF_ENDPOINT");
    }

    @Test
    void aCorruptPartialFileIsDetectedAndTheDownloadRestartedFromZero() throws Exception {
        HubFile f = HubFile.model(REPO, "main", "w.bin");
        Path target = tmp.resolve("w.bin.incomplete");
        HubDownloader d = downloader(0);
        HubDownloader.Meta meta = d.head(f);
        hub.truncate = true;
        assertThatThrownBy(() -> d.download(f, meta, target)).isInstanceOf(HubException.Truncated.class);
        long partial = Files.size(target);
        assertThat(partial).isEqualTo(WEIGHTS.length / 2);

        // the partial file is damaged between the two attempts (disk error, another tool, a bad proxy)
        byte[] bad = Files.readAllBytes(target);
        bad[100] ^= 0x5a;
        Files.write(target, bad);

        hub.truncate = false;
        drainRequests();
        d.download(f, meta, target);

        assertThat(Sha256.of(target)).isEqualTo(FakeHub.sha256(WEIGHTS));
        RecordedRequest resume = server.get().takeRequest();
        assertThat(resume.getHeaders().get("Range")).as("first the prefix is trusted and resumed").isEqualTo("bytes=" + partial + "-");
        RecordedRequest restart = server.get().takeRequest();
        assertThat(restart.getHeaders().get("Range")).as("then, the hash failing, a full download").isNull();
        assertThat(hub.gets.get()).as("interrupted, resumed, restarted").isEqualTo(3);
    }

    @Test
    void aPartialFileThatCannotBeVerifiedIsNeverResumed() throws Exception {
        HubFile f = HubFile.model(REPO, "main", "config.json"); // git file, no sha256 known
        Path target = tmp.resolve("c.incomplete");
        HubDownloader d = downloader(0);
        HubDownloader.Meta meta = d.head(f);
        Files.write(target, "garbage that must not survive".getBytes(StandardCharsets.UTF_8));
        drainRequests();
        d.download(f, meta, target);
        assertThat(target).hasBinaryContent(CONFIG);
        assertThat(server.get().takeRequest().getHeaders().get("Range")).isNull();
    }

    @Test
    void contentFailingItsHashOnAFreshDownloadIsDeletedAndReported() {
        HubFile f = HubFile.model(REPO, "main", "w.bin");
        byte[] evil = WEIGHTS.clone();
        evil[7] ^= 1;
        hub.corruptWith = evil;
        Path target = tmp.resolve("w.incomplete");
        HubDownloader d = downloader(0);
        assertThatThrownBy(() -> d.download(f, d.head(f), target))
                .isInstanceOfSatisfying(HubException.IntegrityMismatch.class, e -> {
                    assertThat(e.expected()).isEqualTo(FakeHub.sha256(WEIGHTS));
                    assertThat(e.found()).isEqualTo(FakeHub.sha256(evil));
                });
        assertThat(target).doesNotExist();
        assertThat(hub.gets.get()).as("a fresh download is not retried on a hash mismatch").isEqualTo(1);
    }

    @Test
    void theCallersHashIsCheckedEvenWhenTheEtagIsNotAHash() {
        String wrong = "cd".repeat(32);
        HubFile f = HubFile.model(REPO, "main", "config.json").withSha256(wrong);
        Path target = tmp.resolve("c");
        HubDownloader d = downloader(0);
        assertThatThrownBy(() -> d.download(f, d.head(f), target))
                .isInstanceOf(HubException.IntegrityMismatch.class)
                .hasMessageContaining("expected " + wrong)
                .hasMessageContaining("found " + FakeHub.sha256(CONFIG));
        assertThat(target).doesNotExist();
    }
}
