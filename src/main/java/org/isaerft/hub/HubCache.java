package org.isaerft.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.isaerft.util.AtomicFiles;

/**
 * The local hub cache, laid out exactly like {@code huggingface_hub}'s so both tools share it. No
 * network here: only paths, refs, locks, blobs and snapshot links.
 *
 * <pre>
 * &lt;root&gt;/models--org--name/
 *   blobs/&lt;etag&gt;                 content (LFS etag = sha256), written as &lt;etag&gt;.incomplete then renamed
 *   snapshots/&lt;commit&gt;/&lt;path&gt;     relative symlink to ../../blobs/&lt;etag&gt; (a copy where links are unsupported)
 *   refs/&lt;revision&gt;              the commit hash a branch or tag resolved to
 * &lt;root&gt;/.locks/models--org--name/&lt;etag&gt;.lock
 * </pre>
 *
 * <p>Every write is atomic: a blob appears only after it was verified, a snapshot link or ref only by
 * rename, so a reader never sees a half-written entry.
 */
public final class HubCache {
    private final Path root;

    public HubCache(Path root) {
        if (root == null) {
            throw new IllegalArgumentException("hub cache root must not be null");
        }
        this.root = root.toAbsolutePath().normalize();
    }

    /** The cache root (the folder holding {@code models--org--name}). */
    public Path root() {
        return root;
    }

    /** The cache folder of a repository ({@code models--org--name}). */
    public Path repoFolder(HubFile f) {
        return root.resolve(f.repoType().cacheFolder(f.repoId()));
    }

    public Path snapshot(HubFile f, String commit) {
        return repoFolder(f).resolve("snapshots").resolve(requireCommit(commit)).resolve(f.path());
    }

    public Path blob(HubFile f, String etag) {
        return repoFolder(f).resolve("blobs").resolve(requireEtag(etag));
    }

    /** Where a download of the blob accumulates until it is complete and verified. */
    public Path incomplete(HubFile f, String etag) {
        return repoFolder(f).resolve("blobs").resolve(requireEtag(etag) + ".incomplete");
    }

    /** The commit the file's revision resolves to without network: the pinned hash, else {@code refs/<revision>}. */
    public Optional<String> commitOf(HubFile f) {
        if (f.pinnedToCommit()) {
            return Optional.of(f.revision());
        }
        Path ref = repoFolder(f).resolve("refs").resolve(f.revision());
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String c = Files.readString(ref).trim();
            return HubFile.COMMIT.matcher(c).matches() ? Optional.of(c) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records that the file's revision (a branch or tag) resolved to {@code commit}; nothing for a pinned commit. */
    public void writeRef(HubFile f, String commit) {
        if (!f.revision().equals(requireCommit(commit))) {
            AtomicFiles.writeString(repoFolder(f).resolve("refs").resolve(f.revision()), commit);
        }
    }

    /** The cached snapshot file, checked against the file's sha256 when known; empty if not cached. */
    public Optional<Path> find(HubFile f) {
        Optional<String> commit = commitOf(f);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path snap = snapshot(f, commit.get());
        if (!Files.isRegularFile(snap)) {
            return Optional.empty();
        }
        verify(f, snap);
        return Optional.of(snap);
    }

    /**
     * A cached file must match the caller's sha256 when one is given. A blob named by that very
     * hash was verified when downloaded; anything else is re-hashed. A mismatch removes the
     * snapshot entry and its blob (they can be fetched again) and throws.
     */
    public void verify(HubFile f, Path snap) {
        if (f.sha256() == null) {
            return;
        }
        try {
            if (Files.isSymbolicLink(snap) && Files.readSymbolicLink(snap).getFileName().toString().equals(f.sha256())) {
                return;
            }
            String found = Sha256.of(snap);
            if (!found.equals(f.sha256())) {
                Path blob = Files.isSymbolicLink(snap) ? snap.getParent().resolve(Files.readSymbolicLink(snap)).normalize() : null;
                Files.deleteIfExists(snap);
                if (blob != null) {
                    Files.deleteIfExists(blob);
                }
                throw new HubException.IntegrityMismatch(f, "cached copy " + snap + ", now deleted", f.sha256(), found);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check cached " + snap + ": " + e.getMessage(), e);
        }
    }

    /** An exclusive inter-process lock on one blob of one repository (huggingface_hub's {@code .locks} folder). */
    public BlobLock lock(HubFile f, String etag) throws IOException {
        Path dir = root.resolve(".locks").resolve(repoFolder(f).getFileName());
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(requireEtag(etag) + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new BlobLock(ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Holds a blob lock until closed. */
    public static final class BlobLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private BlobLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** Moves a complete, verified download into {@code blobs/<etag>} (atomically). Call while holding the blob's lock. */
    public Path commitBlob(HubFile f, String etag, Path verified) throws IOException {
        Path blob = blob(f, etag);
        AtomicFiles.moveIntoPlace(verified, blob);
        return blob;
    }

    /** Points {@code snapshots/<commit>/<path>} at the blob: a relative symlink, or a copy where links are unsupported. */
    public Path linkSnapshot(HubFile f, String commit, String etag) throws IOException {
        Path blob = blob(f, etag);
        Path snap = snapshot(f, commit);
        Path dir = snap.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + snap.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try {
                Files.createSymbolicLink(tmp, dir.relativize(blob));
            } catch (UnsupportedOperationException | IOException e) {
                Files.deleteIfExists(tmp);
                Files.copy(blob, tmp);
            }
            AtomicFiles.moveIntoPlace(tmp, snap);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return snap;
    }

    private static String requireCommit(String commit) {
        if (commit == null || !HubFile.COMMIT.matcher(commit).matches()) {
            throw new IllegalArgumentException("not a 40-hex commit hash: " + commit);
        }
        return commit;
    }

    static String requireEtag(String etag) {
        if (etag == null || !etag.matches("[A-Za-z0-9._-]+") || etag.startsWith(".")) {
            throw new IllegalArgumentException("not a usable blob name (etag): " + etag);
        }
        return etag;
    }
}
