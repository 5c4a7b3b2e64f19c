package org.isaerft.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.isaerft.util.AtomicFiles;

/**
 * A Hugging Face hub client: fetches single files of model or dataset repositories into a cache
 * laid out exactly like {@code huggingface_hub}'s, so both tools share it.
 *
 * <pre>
 * $HF_HOME/hub/models--org--name/
 *   blobs/&lt;etag&gt;                 content (LFS etag = sha256), written as &lt;etag&gt;.incomplete then renamed
 *   snapshots/&lt;commit&gt;/&lt;path&gt;     relative symlink to ../../blobs/&lt;etag&gt; (a copy where links are unsupported)
 *   refs/&lt;revision&gt;              the commit hash a branch or tag resolved to
 * </pre>
 *
 * <p>Order of lookup for {@link #fetch}: the offline mirror ({@code ISAERFT_MIRROR}; by default
 * {@code <isaerft.home>/../shared/models} when it exists), then the cache, then the network
 * (never when {@code HF_HUB_OFFLINE=1}). Content is sha256-checked when a hash is known (given by
 * the caller, or the LFS etag); a mismatch deletes the downloaded data and throws
 * {@link HubException.IntegrityMismatch}. Interrupted downloads leave only
 * {@code blobs/<etag>.incomplete}, which the next attempt resumes with an HTTP Range request.
 *
 * <p>The token ({@code HF_TOKEN}) is sent as a Bearer header and appears in no message or file.
 */
public final class HubClient {
    /** Files at least this large show a progress bar by default (when stderr is a terminal and not quiet). */
    public static final long PROGRESS_THRESHOLD = 8L << 20;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final String endpoint;
    private final String token;
    private final Path cacheDir;
    private final Path mirror;
    private final boolean offline;
    private final boolean quiet;
    private final OkHttpClient http;
    private final OkHttpClient headHttp;
    private final int maxRetries;
    private final Duration backoff;
    private final PrintStream progressOut;
    private final long progressThreshold;

    private HubClient(Builder b) {
        Map<String, String> env = b.env != null ? b.env : System.getenv();
        this.endpoint = stripSlash(b.endpoint != null ? b.endpoint : nonBlank(env.get("HF_ENDPOINT"), "https://huggingface.co"));
        String t = b.tokenSet ? b.token : env.get("HF_TOKEN");
        this.token = t == null || t.isBlank() ? null : t.trim();
        this.cacheDir = (b.cacheDir != null ? b.cacheDir : defaultCache(env)).toAbsolutePath().normalize();
        this.mirror = b.mirrorSet ? b.mirror : defaultMirror(env);
        this.offline = b.offline != null ? b.offline : truthy(env.get("HF_HUB_OFFLINE"));
        this.quiet = b.quiet;
        this.http = b.http != null ? b.http : new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(60))
                .build();
        this.headHttp = http.newBuilder().followRedirects(false).followSslRedirects(false).build();
        this.maxRetries = b.maxRetries;
        this.backoff = b.backoff;
        this.progressOut = b.progressOut;
        this.progressThreshold = b.progressThreshold;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A client configured from the process environment and system properties. */
    public static HubClient fromEnvironment() {
        return builder().build();
    }

    public String endpoint() {
        return endpoint;
    }

    /** The hub cache root ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}). */
    public Path cacheDir() {
        return cacheDir;
    }

    public Optional<Path> mirror() {
        return Optional.ofNullable(mirror);
    }

    public boolean offline() {
        return offline;
    }

    public boolean hasToken() {
        return token != null;
    }

    /** The resolve URL of a file: {@code {endpoint}/[datasets/]{repo}/resolve/{revision}/{path}}. */
    public HttpUrl url(HubFile f) {
        HttpUrl base = HttpUrl.parse(endpoint);
        if (base == null) {
            throw new IllegalArgumentException("HF_ENDPOINT is not a valid http(s) URL: " + endpoint);
        }
        HttpUrl.Builder u = base.newBuilder();
        if (f.repoType() == RepoType.DATASET) {
            u.addPathSegment("datasets");
        }
        for (String s : f.repoId().split("/")) {
            u.addPathSegment(s);
        }
        u.addPathSegment("resolve").addPathSegment(f.revision());
        for (String s : f.path().split("/")) {
            u.addPathSegment(s);
        }
        return u.build();
    }

    /** The cache folder of a repository ({@code models--org--name}). */
    public Path repoFolder(HubFile f) {
        return cacheDir.resolve(f.repoType().cacheFolder(f.repoId()));
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
        Optional<Path> c = fromCache(f);
        if (c.isPresent()) {
            return c.get();
        }
        if (offline) {
            List<String> looked = new ArrayList<>(mirrorCandidates(f).stream().map(Path::toString).toList());
            looked.add(repoFolder(f).toString());
            throw new HubException.Offline(f, String.join(", ", looked));
        }
        return download(f);
    }

    // ---------------------------------------------------------------- mirror and cache

    private List<Path> mirrorCandidates(HubFile f) {
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
                    String found = sha256(p);
                    if (!found.equals(f.sha256())) {
                        throw new HubException.IntegrityMismatch(f, "mirror copy " + p, f.sha256(), found);
                    }
                }
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The cached snapshot file, without any network access; empty if not cached. */
    public Optional<Path> fromCache(HubFile f) {
        Path repo = repoFolder(f);
        String commit = f.pinnedToCommit() ? f.revision() : readRef(repo, f.revision());
        if (commit == null) {
            return Optional.empty();
        }
        Path snap = repo.resolve("snapshots").resolve(commit).resolve(f.path());
        if (!Files.isRegularFile(snap)) {
            return Optional.empty();
        }
        verifyCached(f, snap);
        return Optional.of(snap);
    }

    private static String readRef(Path repo, String revision) {
        Path ref = repo.resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        try {
            String c = Files.readString(ref).trim();
            return HubFile.COMMIT.matcher(c).matches() ? c : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A cached file must match the caller's sha256 when one is given. A blob named by that very
     * hash was verified when downloaded; anything else is re-hashed. A mismatch removes the
     * snapshot entry and its blob (they can be fetched again).
     */
    private void verifyCached(HubFile f, Path snap) {
        if (f.sha256() == null) {
            return;
        }
        try {
            if (Files.isSymbolicLink(snap) && Files.readSymbolicLink(snap).getFileName().toString().equals(f.sha256())) {
                return;
            }
            String found = sha256(snap);
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

    // ---------------------------------------------------------------- network

    /** What the server says about a file before its content is fetched. */
    record Meta(String commit, String etag, long size) {}

    private Path download(HubFile f) {
        Meta meta = head(f);
        Path repo = repoFolder(f);
        Path snap = repo.resolve("snapshots").resolve(meta.commit()).resolve(f.path());
        try {
            if (Files.isRegularFile(snap)) {
                verifyCached(f, snap);
                writeRef(repo, f, meta.commit());
                return snap;
            }
            Path blobs = repo.resolve("blobs");
            Path blob = blobs.resolve(meta.etag());
            boolean fresh;
            Files.createDirectories(blobs);
            Path lockDir = cacheDir.resolve(".locks").resolve(repo.getFileName());
            Files.createDirectories(lockDir);
            try (FileChannel lc = FileChannel.open(lockDir.resolve(meta.etag() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lc.lock()) {
                fresh = !Files.isRegularFile(blob);
                if (fresh) {
                    Path incomplete = blobs.resolve(meta.etag() + ".incomplete");
                    fetchInto(f, meta, incomplete);
                    verifyDownloaded(f, meta, incomplete);
                    AtomicFiles.moveIntoPlace(incomplete, blob);
                }
            }
            linkSnapshot(blob, snap);
            if (!fresh) {
                verifyCached(f, snap); // a blob fetched earlier (maybe for another revision) still has to match
            }
            writeRef(repo, f, meta.commit());
            return snap;
        } catch (IOException e) {
            throw new UncheckedIOException("cache write failed for " + f.describe() + " under " + repo + ": " + e.getMessage(), e);
        }
    }

    private static void writeRef(Path repo, HubFile f, String commit) {
        if (!f.revision().equals(commit)) {
            AtomicFiles.writeString(repo.resolve("refs").resolve(f.revision()), commit);
        }
    }

    /**
     * Checks a finished download against the caller's sha256 and the LFS etag (which is the
     * sha256); on a mismatch the data is deleted and the error names both hashes.
     */
    private static void verifyDownloaded(HubFile f, Meta meta, Path incomplete) throws IOException {
        String etagSha = meta.etag().matches("[0-9a-f]{64}") ? meta.etag() : null;
        if (f.sha256() == null && etagSha == null) {
            return;
        }
        String found = sha256(incomplete);
        String expected = f.sha256() != null && !found.equals(f.sha256()) ? f.sha256()
                : etagSha != null && !found.equals(etagSha) ? etagSha : null;
        if (expected != null) {
            Files.deleteIfExists(incomplete);
            throw new HubException.IntegrityMismatch(f, "downloaded content, deleted", expected, found);
        }
    }

    private static void linkSnapshot(Path blob, Path snap) throws IOException {
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
    }

    private Request.Builder request(HttpUrl url) {
        Request.Builder r = new Request.Builder().url(url).header("User-Agent", "isaerft/" + org.isaerft.util.Versions.isaerft());
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return r;
    }

    /** HEAD the resolve URL (following only same-host redirects) for commit, etag and size. */
    Meta head(HubFile f) {
        HttpUrl url = url(f);
        for (int attempt = 0; ; attempt++) {
            try {
                HttpUrl u = url;
                for (int hop = 0; hop < 5; hop++) {
                    try (Response r = headHttp.newCall(request(u).head().build()).execute()) {
                        int code = r.code();
                        if (r.isRedirect()) {
                            String loc = r.header("Location");
                            HttpUrl next = loc == null ? null : u.resolve(loc);
                            boolean sameHost = next != null && next.host().equals(u.host()) && next.port() == u.port();
                            if (sameHost && r.header("X-Linked-Etag") == null) {
                                u = next;
                                continue;
                            }
                            return meta(f, r);
                        }
                        checkStatus(f, r);
                        if (code >= 200 && code < 300) {
                            return meta(f, r);
                        }
                        throw new RetriableStatus(code);
                    }
                }
                throw new HubException.Transfer(f, "too many redirects from " + url, null);
            } catch (java.net.UnknownHostException e) {
                throw unreachable(f, e);
            } catch (RetriableStatus | IOException e) {
                if (attempt >= maxRetries) {
                    throw new HubException.Transfer(f, "metadata request failed after " + (attempt + 1) + " attempts ("
                            + describe(e) + ")", e);
                }
                sleep(attempt);
            }
        }
    }

    private Meta meta(HubFile f, Response r) {
        String commit = r.header("X-Repo-Commit");
        if (commit == null && f.pinnedToCommit()) {
            commit = f.revision();
        }
        if (commit == null || !HubFile.COMMIT.matcher(commit.trim()).matches()) {
            throw new HubException.Transfer(f, "server at " + endpoint + " sent no valid X-Repo-Commit header (found "
                    + commit + "); is HF_ENDPOINT a Hugging Face hub?", null);
        }
        String etag = r.header("X-Linked-Etag");
        if (etag == null) {
            etag = r.header("ETag");
        }
        etag = normaliseEtag(etag);
        if (etag == null || !etag.matches("[A-Za-z0-9._-]+")) {
            throw new HubException.Transfer(f, "server at " + endpoint + " sent no usable ETag (found " + etag + ")", null);
        }
        long size = parseLong(r.header("X-Linked-Size"));
        if (size < 0) {
            size = parseLong(r.header("Content-Length"));
        }
        return new Meta(commit.trim(), etag, size);
    }

    static String normaliseEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e.isEmpty() ? null : e;
    }

    /** Throws the typed error for 401/403/404; other statuses are left to the caller. */
    private void checkStatus(HubFile f, Response r) {
        int code = r.code();
        if (code == 404) {
            String detail = r.header("X-Error-Message");
            throw new HubException.NotFound(f, detail);
        }
        if (code == 401 || code == 403) {
            throw new HubException.Unauthorized(f, code, token != null);
        }
        if (code >= 400 && code < 500 && code != 408 && code != 429 && code != 416) {
            throw new HubException.Transfer(f, "HTTP " + code + " from " + endpoint, null);
        }
    }

    /** GET the content into {@code incomplete}, resuming what is there; bounded retries with backoff. */
    private void fetchInto(HubFile f, Meta meta, Path incomplete) throws IOException {
        HttpUrl url = url(f);
        long expected = meta.size();
        Exception last = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                sleep(attempt - 1);
            }
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (expected >= 0 && have == expected) {
                return;
            }
            if (expected >= 0 && have > expected) {
                Files.delete(incomplete);
                have = 0;
            }
            Request.Builder rb = request(url).get();
            if (have > 0) {
                rb.header("Range", "bytes=" + have + "-");
            }
            try (Response r = http.newCall(rb.build()).execute()) {
                int code = r.code();
                if (code == 416) {
                    Files.deleteIfExists(incomplete);
                    last = new RetriableStatus(code);
                    continue;
                }
                checkStatus(f, r);
                if (code >= 500 || code == 429 || code == 408) {
                    last = new RetriableStatus(code);
                    continue;
                }
                if (code != 200 && code != 206) {
                    throw new HubException.Transfer(f, "unexpected HTTP " + code + " from " + endpoint, null);
                }
                boolean append = false;
                if (code == 206) {
                    Matcher m = CONTENT_RANGE.matcher(nonBlank(r.header("Content-Range"), ""));
                    append = have > 0 && m.matches() && Long.parseLong(m.group(1)) == have;
                    if (!append) {
                        // a range we did not ask for: start again from the beginning
                        Files.deleteIfExists(incomplete);
                        last = new IOException("server answered Range bytes=" + have + "- with Content-Range "
                                + r.header("Content-Range"));
                        continue;
                    }
                } else {
                    have = 0; // server ignored Range: the body is the whole file
                }
                ResponseBody body = r.body();
                long total = expected >= 0 ? expected : (body.contentLength() >= 0 ? have + body.contentLength() : -1);
                copyBody(f, body.byteStream(), incomplete, append, have, total);
                long got = Files.size(incomplete);
                if (expected >= 0 && got < expected) {
                    last = new IOException("body ended after " + got + " of " + expected + " bytes");
                    continue;
                }
                if (expected >= 0 && got > expected) {
                    Files.deleteIfExists(incomplete);
                    throw new HubException.Transfer(f, "server sent " + got + " bytes, more than the announced " + expected, null);
                }
                return;
            } catch (java.net.UnknownHostException e) {
                throw unreachable(f, e);
            } catch (InterruptedIOException e) {
                last = e; // timeouts: retry (resuming)
            } catch (IOException e) {
                last = e; // connection reset, unexpected end of stream: retry (resuming)
            }
        }
        long got = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (last instanceof RetriableStatus) {
            throw new HubException.Transfer(f, "download failed after " + (maxRetries + 1) + " attempts (" + describe(last) + ")", last);
        }
        throw new HubException.Truncated(f, expected, got, last);
    }

    private void copyBody(HubFile f, InputStream in, Path incomplete, boolean append, long have, long total) throws IOException {
        ProgressBar bar = null;
        if (!quiet && total >= progressThreshold && (progressOut != null || System.console() != null)) {
            bar = new ProgressBarBuilder()
                    .setTaskName(f.path())
                    .setInitialMax(total)
                    .setUnit("MiB", 1L << 20)
                    .showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(progressOut != null ? progressOut : System.err))
                    .build();
            bar.stepTo(have);
        }
        try (FileChannel ch = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = Channels.newOutputStream(ch)) {
            byte[] buf = new byte[1 << 16];
            long done = have;
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    done += n;
                    if (bar != null) {
                        bar.stepTo(done);
                    }
                }
            } finally {
                out.flush();
                ch.force(true);
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    private void sleep(int attempt) {
        long ms = Math.min(backoff.toMillis() << Math.min(attempt, 10), 30_000L);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry a hub request", e);
        }
    }

    private HubException unreachable(HubFile f, java.net.UnknownHostException e) {
        return new HubException.Transfer(f, "cannot reach " + endpoint + " (unknown host " + e.getMessage()
                + "); without network use a mirror (ISAERFT_MIRROR) or the cache with HF_HUB_OFFLINE=1, or set HF_ENDPOINT", e);
    }

    private static String describe(Exception e) {
        return e instanceof RetriableStatus rs ? "HTTP " + rs.code : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** A status worth retrying (5xx, 429, 408). */
    private static final class RetriableStatus extends Exception {
        final int code;

        RetriableStatus(int code) {
            super("HTTP " + code, null, false, false);
            this.code = code;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Lower-case hex sha256 of a file's content. */
    public static String sha256(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + " to hash it: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long parseLong(String s) {
        if (s == null) {
            return -1;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String nonBlank(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s;
    }

    static boolean truthy(String s) {
        return s != null && Set.of("1", "on", "yes", "true").contains(s.trim().toLowerCase(Locale.ROOT));
    }

    private static final Set<String> NONE = Set.of("", "none", "off");

    private static Path defaultCache(Map<String, String> env) {
        String hubCache = env.get("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) {
            return Path.of(hubCache);
        }
        String home = env.get("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "hub");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("huggingface").resolve("hub");
    }

    /**
     * {@code ISAERFT_MIRROR} (empty or "none" disables), else the system property
     * {@code isaerft.mirror}, else {@code <isaerft.home>/../shared/models} when that directory exists.
     */
    private static Path defaultMirror(Map<String, String> env) {
        String m = env.containsKey("ISAERFT_MIRROR") ? env.get("ISAERFT_MIRROR") : System.getProperty("isaerft.mirror");
        if (m != null) {
            return NONE.contains(m.trim().toLowerCase(Locale.ROOT)) ? null : Path.of(m).toAbsolutePath().normalize();
        }
        String home = System.getProperty("isaerft.home");
        Path dflt = (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().resolve("..").resolve("shared").resolve("models").normalize();
        return Files.isDirectory(dflt) ? dflt : null;
    }

    /** Options; anything unset comes from the environment map (by default the process environment). */
    public static final class Builder {
        private Map<String, String> env;
        private String endpoint;
        private String token;
        private boolean tokenSet;
        private Path cacheDir;
        private Path mirror;
        private boolean mirrorSet;
        private Boolean offline;
        private boolean quiet;
        private OkHttpClient http;
        private int maxRetries = 4;
        private Duration backoff = Duration.ofMillis(500);
        private PrintStream progressOut;
        private long progressThreshold = PROGRESS_THRESHOLD;

        /** Reads HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, ISAERFT_MIRROR from this map instead of the process environment. */
        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(env);
            return this;
        }

        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        public Builder token(String token) {
            this.token = token;
            this.tokenSet = true;
            return this;
        }

        /** The hub cache root (the folder holding models--org--name). */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /** The offline mirror directory, or null for none. */
        public Builder mirror(Path mirror) {
            this.mirror = mirror == null ? null : mirror.toAbsolutePath().normalize();
            this.mirrorSet = true;
            return this;
        }

        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** No progress output. */
        public Builder quiet(boolean quiet) {
            this.quiet = quiet;
            return this;
        }

        /** Shows progress on this stream even when it is not a terminal (tests, logs). */
        public Builder progressTo(PrintStream out) {
            this.progressOut = out;
            return this;
        }

        /** Smallest file (bytes) that shows a progress bar (default 8 MiB). */
        public Builder progressThreshold(long bytes) {
            this.progressThreshold = bytes;
            return this;
        }

        public Builder httpClient(OkHttpClient http) {
            this.http = http;
            return this;
        }

        /** Retries after the first attempt for 5xx/429/timeouts/interrupted bodies (default 4). */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0 || maxRetries > 20) {
                throw new IllegalArgumentException("max retries must be in [0, 20], found " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /** First retry delay; doubled each retry, capped at 30 s (default 500 ms). */
        public Builder backoff(Duration backoff) {
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("backoff must be >= 0, found " + backoff);
            }
            this.backoff = backoff;
            return this;
        }

        public HubClient build() {
            return new HubClient(this);
        }
    }
}
