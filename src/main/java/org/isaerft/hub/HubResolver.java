package org.isaerft.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides where a hub file comes from: the offline mirror, then the cache, then the network (never
 * when offline). Owns no I/O of its own beyond reading the mirror: the {@link HubCache} holds the
 * layout and the {@link HubDownloader} the HTTP.
 */
public final class HubResolver {
    private final Path mirror;
    private final HubCache cache;
    private final HubDownloader downloader;
    private final boolean offline;

    /**
     * @param mirror     a folder of files laid out as {@code <repo>/<path>} or {@code <path>}, or null for none
     * @param downloader the network side, or null when offline only
     */
    public HubResolver(Path mirror, HubCache cache, HubDownloader downloader, boolean offline) {
        if (cache == null) {
            throw new IllegalArgumentException("a hub resolver needs a cache");
        }
        if (downloader == null && !offline) {
            throw new IllegalArgumentException("a hub resolver without a downloader must be offline");
        }
        this.mirror = mirror == null ? null : mirror.toAbsolutePath().normalize();
        this.cache = cache;
        this.downloader = downloader;
        this.offline = offline;
    }

    public Optional<Path> mirror() {
        return Optional.ofNullable(mirror);
    }

    public boolean offline() {
        return offline;
    }

    public HubCache cache() {
        return cache;
    }

    /**
     * The local path of the file's content: the mirror's copy, the cached snapshot, or a fresh
     * download (verified, then moved into the cache atomically).
     */
    public Path fetch(HubFile f) {
        Optional<Path> m = fromMirror(f);
        if (m.isPresent()) {
            return m.get();
        }
        Optional<Path> c = cache.find(f);
        if (c.isPresent()) {
            return c.get();
        }
        if (offline) {
            List<String> looked = new ArrayList<>(mirrorCandidates(f).stream().map(Path::toString).toList());
            looked.add(cache.repoFolder(f).toString());
            throw new HubException.Offline(f, String.join(", ", looked));
        }
        return download(f);
    }

    List<Path> mirrorCandidates(HubFile f) {
        if (mirror == null) {
            return List.of();
        }
        return List.of(mirror.resolve(f.repoId()).resolve(f.path()), mirror.resolve(f.path()));
    }

    /** The mirror's copy ({@code <mirror>/<repo>/<path>}, then {@code <mirror>/<path>}), sha256-checked when known. */
    public Optional<Path> fromMirror(HubFile f) {
        for (Path p : mirrorCandidates(f)) {
            if (Files.isRegularFile(p)) {
                if (f.sha256() != null) {
                    String found = Sha256.of(p);
                    if (!found.equals(f.sha256())) {
                        throw new HubException.IntegrityMismatch(f, "mirror copy " + p, f.sha256(), found);
                    }
                }
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private Path download(HubFile f) {
        HubDownloader.Meta meta = downloader.head(f);
        Path snap = cache.snapshot(f, meta.commit());
        try {
            if (Files.isRegularFile(snap)) {
                cache.verify(f, snap);
                cache.writeRef(f, meta.commit());
                return snap;
            }
            boolean fresh;
            Files.createDirectories(cache.blob(f, meta.etag()).getParent());
            try (HubCache.BlobLock ignored = cache.lock(f, meta.etag())) {
                fresh = !Files.isRegularFile(cache.blob(f, meta.etag()));
                if (fresh) {
                    Path incomplete = cache.incomplete(f, meta.etag());
                    downloader.download(f, meta, incomplete);
                    cache.commitBlob(f, meta.etag(), incomplete);
                }
            }
            cache.linkSnapshot(f, meta.commit(), meta.etag());
            if (!fresh) {
                cache.verify(f, snap); // a blob fetched earlier (maybe for another revision) still has to match
            }
            cache.writeRef(f, meta.commit());
            return snap;
        } catch (IOException e) {
            throw new UncheckedIOException("cache write failed for " + f.describe() + " under " + cache.repoFolder(f)
                    + ": " + e.getMessage(), e);
        }
    }
}
