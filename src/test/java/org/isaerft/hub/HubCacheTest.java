package org.isaerft.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache layout on its own: no network, files written by hand where huggingface_hub would write them. */
class HubCacheTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final byte[] CONTENT = "hello hub\n".getBytes(StandardCharsets.UTF_8);
    static final String SHA = FakeHub.sha256(CONTENT);

    @TempDir
    Path tmp;

    @Test
    void pathsFollowHuggingfaceHubNaming() {
        HubCache c = new HubCache(tmp);
        HubFile f = HubFile.model("acme/tiny", "main", "sub/w.bin");
        assertThat(c.repoFolder(f)).isEqualTo(tmp.resolve("models--acme--tiny"));
        assertThat(c.snapshot(f, COMMIT)).isEqualTo(tmp.resolve("models--acme--tiny/snapshots/" + COMMIT + "/sub/w.bin"));
        assertThat(c.blob(f, SHA)).isEqualTo(tmp.resolve("models--acme--tiny/blobs/" + SHA));
        assertThat(c.incomplete(f, SHA)).isEqualTo(tmp.resolve("models--acme--tiny/blobs/" + SHA + ".incomplete"));
        HubFile d = new HubFile(RepoType.DATASET, "acme/data", "main", "x", null);
        assertThat(c.repoFolder(d)).isEqualTo(tmp.resolve("datasets--acme--data"));
        assertThatThrownBy(() -> c.blob(f, "../evil")).hasMessageContaining("not a usable blob name");
        assertThatThrownBy(() -> c.snapshot(f, "main")).hasMessageContaining("40-hex commit");
    }

    @Test
    void refsResolveBranchesAndPinnedCommitsNeedNone() {
        HubCache c = new HubCache(tmp);
        HubFile main = HubFile.model("acme/tiny", "main", "a.txt");
        assertThat(c.commitOf(main)).isEmpty();
        c.writeRef(main, COMMIT);
        assertThat(c.commitOf(main)).contains(COMMIT);
        assertThat(tmp.resolve("models--acme--tiny/refs/main")).hasContent(COMMIT);

        HubFile pinned = HubFile.model("acme/tiny", COMMIT, "a.txt");
        c.writeRef(pinned, COMMIT);
        assertThat(tmp.resolve("models--acme--tiny/refs/" + COMMIT)).doesNotExist();
        assertThat(c.commitOf(pinned)).contains(COMMIT);
    }

    @Test
    void aCommittedBlobIsFoundThroughARelativeSnapshotLink() throws Exception {
        HubCache c = new HubCache(tmp);
        HubFile f = HubFile.model("acme/tiny", "main", "sub/w.bin");
        assertThat(c.find(f)).isEmpty();

        Path inc = c.incomplete(f, SHA);
        Files.createDirectories(inc.getParent());
        Files.write(inc, CONTENT);
        try (HubCache.BlobLock ignored = c.lock(f, SHA)) {
            c.commitBlob(f, SHA, inc);
        }
        Path snap = c.linkSnapshot(f, COMMIT, SHA);
        c.writeRef(f, COMMIT);

        assertThat(inc).doesNotExist();
        assertThat(Files.isSymbolicLink(snap)).isTrue();
        assertThat(Files.readSymbolicLink(snap).toString()).isEqualTo("../../../blobs/" + SHA);
        assertThat(c.find(f)).contains(snap);
        assertThat(c.find(f.withSha256(SHA)).orElseThrow()).hasBinaryContent(CONTENT);
        assertThat(tmp.resolve(".locks/models--acme--tiny/" + SHA + ".lock")).exists();
    }

    @Test
    void aCachedFileNotMatchingTheExpectedHashIsDeletedWithItsBlob() throws Exception {
        HubCache c = new HubCache(tmp);
        HubFile f = HubFile.model("acme/tiny", COMMIT, "w.bin");
        String etag = "abcdef0123"; // a git blob id: the name says nothing about the content
        Files.createDirectories(c.blob(f, etag).getParent());
        Files.write(c.blob(f, etag), CONTENT);
        Path snap = c.linkSnapshot(f, COMMIT, etag);

        String wrong = "ab".repeat(32);
        assertThatThrownBy(() -> c.find(f.withSha256(wrong)))
                .isInstanceOfSatisfying(HubException.IntegrityMismatch.class, e -> {
                    assertThat(e.expected()).isEqualTo(wrong);
                    assertThat(e.found()).isEqualTo(SHA);
                })
                .hasMessageContaining("cached copy " + snap + ", now deleted");
        assertThat(snap).doesNotExist();
        assertThat(c.blob(f, etag)).doesNotExist();
    }
}
