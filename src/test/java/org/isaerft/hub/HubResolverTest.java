package org.isaerft.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup order on its own, offline (no downloader): mirror, then cache, then a clear error. */
class HubResolverTest {
    static final String COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
    static final byte[] CACHED = "cached\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] MIRRORED = "mirrored\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    HubCache cacheWith(HubFile f, byte[] content) throws Exception {
        HubCache c = new HubCache(tmp.resolve("cache"));
        String etag = FakeHub.sha256(content);
        Files.createDirectories(c.blob(f, etag).getParent());
        Files.write(c.blob(f, etag), content);
        c.linkSnapshot(f, COMMIT, etag);
        c.writeRef(f, COMMIT);
        return c;
    }

    @Test
    void theMirrorComesBeforeTheCache() throws Exception {
        HubFile f = HubFile.model("acme/m", "main", "sub/a.txt");
        HubCache cache = cacheWith(f, CACHED);
        Path mirror = tmp.resolve("mirror");
        Files.createDirectories(mirror.resolve("acme/m/sub"));
        Files.write(mirror.resolve("acme/m/sub/a.txt"), MIRRORED);

        assertThat(new HubResolver(mirror, cache, null, true).fetch(f)).hasBinaryContent(MIRRORED);
        assertThat(new HubResolver(null, cache, null, true).fetch(f)).hasBinaryContent(CACHED)
                .isEqualTo(cache.snapshot(f, COMMIT));
        // a bare <mirror>/<path> copy counts too
        Path flat = tmp.resolve("flat");
        Files.createDirectories(flat.resolve("sub"));
        Files.write(flat.resolve("sub/a.txt"), MIRRORED);
        assertThat(new HubResolver(flat, cache, null, true).fetch(f)).isEqualTo(flat.resolve("sub/a.txt"));
    }

    @Test
    void aMirrorCopyWithTheWrongHashIsRefusedAndLeftAlone() throws Exception {
        Path mirror = tmp.resolve("mirror");
        Files.createDirectories(mirror);
        Files.write(mirror.resolve("a.txt"), MIRRORED);
        HubFile f = HubFile.model("acme/m", "main", "a.txt").withSha256(FakeHub.sha256(CACHED));
        HubResolver r = new HubResolver(mirror, new HubCache(tmp.resolve("c")), null, true);
        assertThatThrownBy(() -> r.fetch(f)).isInstanceOf(HubException.IntegrityMismatch.class)
                .hasMessageContaining("mirror copy " + mirror.resolve("a.txt"));
        assertThat(mirror.resolve("a.txt")).hasBinaryContent(MIRRORED);
    }

    @Test
    void offlineMissListsEveryPlaceLookedIn() {
        Path mirror = tmp.resolve("mirror");
        HubCache cache = new HubCache(tmp.resolve("cache"));
        HubFile f = HubFile.model("acme/m", "v2", "a.txt");
        assertThatThrownBy(() -> new HubResolver(mirror, cache, null, true).fetch(f))
                .isInstanceOf(HubException.Offline.class)
                .hasMessageContaining(mirror.resolve("acme/m/a.txt").toString())
                .hasMessageContaining(mirror.resolve("a.txt").toString())
                .hasMessageContaining(cache.repoFolder(f).toString())
                .hasMessageContaining("revision v2");
    }

    @Test
    void anOnlineResolverNeedsADownloader() {
        assertThatThrownBy(() -> new HubResolver(null, new HubCache(tmp), null, false)).hasMessageContaining("must be offline");
        assertThatThrownBy(() -> new HubResolver(null, null, null, true)).hasMessageContaining("needs a cache");
    }
}
