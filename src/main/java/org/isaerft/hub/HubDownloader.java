package org.isaerft.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The network half of the hub client: HEAD for a file's metadata (commit, etag, size) and a
 * resumable, verified GET into one local file. Knows nothing of the cache layout.
 *
 * <p>A partial file is resumed with an HTTP Range request only when the result can be verified (the
 * caller gave a sha256 or the etag is one); a resumed download whose hash does not match is thrown
 * away and fetched once more from the beginning, because the bad bytes may be in the old prefix (a
 * corrupt {@code .incomplete}). A fresh download that does not match is deleted and reported.
 *
 * <p>The token is sent as a Bearer header to the endpoint's host only (never across a redirect to
 * another host) and appears in no message.
 */
public final class HubDownloader {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    /**
     * What the server says about a file before its content is fetched.
     *
     * @param commit the 40-hex commit the revision resolved to
     * @param etag   the blob's name (LFS: its sha256; else the git blob id)
     * @param size   content length in bytes, or -1 if unknown
     */
    public record Meta(String commit, String etag, long size) {
        public Meta {
            if (commit == null || !HubFile.COMMIT.matcher(commit).matches()) {
                throw new IllegalArgumentException("commit must be 40 hex digits, found " + commit);
            }
            HubCache.requireEtag(etag);
            if (size < -1) {
                throw new IllegalArgumentException("size must be >= 0 or -1 (unknown), found " + size);
            }
        }

        /** The etag when it is a sha256 (LFS files), else null. */
        public String etagSha256() {
            return Sha256.looksLikeSha256(etag) ? etag : null;
        }
    }

    /** Retry, backoff and progress settings. */
    public record Settings(int maxRetries, Duration backoff, boolean quiet, PrintStream progressOut, long progressThreshold) {
        public Settings {
            if (maxRetries < 0 || maxRetries > 20) {
                throw new IllegalArgumentException("max retries must be in [0, 20], found " + maxRetries);
            }
            if (backoff == null || backoff.isNegative()) {
                throw new IllegalArgumentException("backoff must be >= 0, found " + backoff);
            }
            if (progressThreshold < 0) {
                throw new IllegalArgumentException("progress threshold must be >= 0 bytes, found " + progressThreshold);
            }
        }
    }

    private final String endpoint;
    private final String token;
    private final OkHttpClient http;
    private final OkHttpClient headHttp;
    private final Settings settings;

    /**
     * @param endpoint the hub's base URL, without a trailing slash
     * @param token    the access token, or null
     */
    public HubDownloader(String endpoint, String token, OkHttpClient http, Settings settings) {
        if (endpoint == null || HttpUrl.parse(endpoint) == null) {
            throw new IllegalArgumentException("HF_ENDPOINT is not a valid http(s) URL: " + endpoint);
        }
        this.endpoint = endpoint;
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.http = http;
        this.headHttp = http.newBuilder().followRedirects(false).followSslRedirects(false).build();
        this.settings = settings;
    }

    public String endpoint() {
        return endpoint;
    }

    public boolean hasToken() {
        return token != null;
    }

    /** The resolve URL of a file: {@code {endpoint}/[datasets/]{repo}/resolve/{revision}/{path}}. */
    public HttpUrl url(HubFile f) {
        HttpUrl.Builder u = HttpUrl.parse(endpoint).newBuilder();
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

    private Request.Builder request(HttpUrl url) {
        Request.Builder r = new Request.Builder().url(url).header("User-Agent", "isaerft/" + org.isaerft.util.Versions.isaerft());
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return r;
    }

    // ---------------------------------------------------------------- metadata

    /** HEAD the resolve URL (following only same-host redirects) for commit, etag and size. */
    public Meta head(HubFile f) {
        HttpUrl url = url(f);
        for (int attempt = 0; ; attempt++) {
            try {
                HttpUrl u = url;
                for (int hop = 0; hop < 5; hop++) {
                    try (Response r = headHttp.newCall(request(u).head().build()).execute()) {
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
                        if (r.code() >= 200 && r.code() < 300) {
                            return meta(f, r);
                        }
                        throw new RetriableStatus(r.code());
                    }
                }
                throw new HubException.Transfer(f, "too many redirects from " + url, null);
            } catch (java.net.UnknownHostException e) {
                throw unreachable(f, e);
            } catch (RetriableStatus | IOException e) {
                if (attempt >= settings.maxRetries()) {
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
        if (etag == null || !etag.matches("[A-Za-z0-9._-]+") || etag.startsWith(".")) {
            throw new HubException.Transfer(f, "server at " + endpoint + " sent no usable ETag (found " + etag + ")", null);
        }
        long size = parseLong(r.header("X-Linked-Size"));
        if (size < 0) {
            size = parseLong(r.header("Content-Length"));
        }
        return new Meta(commit.trim(), etag, size < 0 ? -1 : size);
    }

    /** Strips a weak-validator prefix and quotes: {@code W/"abc"} → {@code abc}; null if nothing is left. */
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

    /** Throws the typed error for 401/403/404 and other final 4xx; other statuses are left to the caller. */
    private void checkStatus(HubFile f, Response r) {
        int code = r.code();
        if (code == 404) {
            throw new HubException.NotFound(f, r.header("X-Error-Message"));
        }
        if (code == 401 || code == 403) {
            throw new HubException.Unauthorized(f, code, token != null);
        }
        if (code >= 400 && code < 500 && code != 408 && code != 429 && code != 416) {
            throw new HubException.Transfer(f, "HTTP " + code + " from " + endpoint, null);
        }
    }

    // ---------------------------------------------------------------- content

    /**
     * Makes {@code target} hold the file's complete content, verified against the caller's sha256
     * and the LFS etag when known. Resumes what {@code target} already holds when the result can be
     * verified; otherwise starts afresh. On a final mismatch {@code target} is deleted and
     * {@link HubException.IntegrityMismatch} names both hashes. The caller holds the blob's lock.
     */
    public void download(HubFile f, Meta meta, Path target) throws IOException {
        boolean verifiable = f.sha256() != null || meta.etagSha256() != null;
        if (!verifiable) {
            Files.deleteIfExists(target); // unverifiable bytes from an earlier attempt are never trusted
        }
        boolean resumed = fetchInto(f, meta, target);
        Mismatch bad = mismatch(f, meta, target);
        if (bad != null && resumed) {
            // the prefix kept from an earlier attempt was bad: start again from nothing, once
            Files.deleteIfExists(target);
            fetchInto(f, meta, target);
            bad = mismatch(f, meta, target);
        }
        if (bad != null) {
            Files.deleteIfExists(target);
            throw new HubException.IntegrityMismatch(f, "downloaded content, deleted", bad.expected(), bad.found());
        }
    }

    private record Mismatch(String expected, String found) {}

    /** The expected hash {@code target} fails to match (the caller's first, then the etag's) and its actual hash, or null. */
    private static Mismatch mismatch(HubFile f, Meta meta, Path target) {
        String etagSha = meta.etagSha256();
        if (f.sha256() == null && etagSha == null) {
            return null;
        }
        String found = Sha256.of(target);
        if (f.sha256() != null && !found.equals(f.sha256())) {
            return new Mismatch(f.sha256(), found);
        }
        return etagSha != null && !found.equals(etagSha) ? new Mismatch(etagSha, found) : null;
    }

    /**
     * GET the content into {@code target}, resuming what is there; bounded retries with backoff.
     *
     * @return whether any bytes present before a request were kept (a Range request was honoured)
     */
    private boolean fetchInto(HubFile f, Meta meta, Path target) throws IOException {
        HttpUrl url = url(f);
        long expected = meta.size();
        boolean resumed = false;
        Exception last = null;
        for (int attempt = 0; attempt <= settings.maxRetries(); attempt++) {
            if (attempt > 0) {
                sleep(attempt - 1);
            }
            long have = Files.exists(target) ? Files.size(target) : 0;
            if (expected >= 0 && have == expected) {
                return have > 0;
            }
            if (expected >= 0 && have > expected) {
                Files.delete(target);
                have = 0;
            }
            Request.Builder rb = request(url).get();
            if (have > 0) {
                rb.header("Range", "bytes=" + have + "-");
            }
            try (Response r = http.newCall(rb.build()).execute()) {
                int code = r.code();
                if (code == 416) {
                    Files.deleteIfExists(target);
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
                    Matcher m = CONTENT_RANGE.matcher(r.header("Content-Range", ""));
                    append = have > 0 && m.matches() && Long.parseLong(m.group(1)) == have;
                    if (!append) {
                        // a range we did not ask for: start again from the beginning
                        Files.deleteIfExists(target);
                        last = new IOException("server answered Range bytes=" + have + "- with Content-Range "
                                + r.header("Content-Range"));
                        continue;
                    }
                    resumed = true;
                } else {
                    have = 0; // server ignored Range: the body is the whole file
                }
                ResponseBody body = r.body();
                long total = expected >= 0 ? expected : (body.contentLength() >= 0 ? have + body.contentLength() : -1);
                BodyWriter.write(body.byteStream(), target, append, progress(f, have, total));
                long got = Files.size(target);
                if (expected >= 0 && got < expected) {
                    last = new IOException("body ended after " + got + " of " + expected + " bytes");
                    continue;
                }
                if (expected >= 0 && got > expected) {
                    Files.deleteIfExists(target);
                    throw new HubException.Transfer(f, "server sent " + got + " bytes, more than the announced " + expected, null);
                }
                return resumed;
            } catch (java.net.UnknownHostException e) {
                throw unreachable(f, e);
            } catch (InterruptedIOException e) {
                last = e; // timeouts: retry (resuming)
            } catch (IOException e) {
                last = e; // connection reset, unexpected end of stream: retry (resuming)
            }
        }
        long got = Files.exists(target) ? Files.size(target) : 0;
        if (last instanceof RetriableStatus) {
            throw new HubException.Transfer(f, "download failed after " + (settings.maxRetries() + 1) + " attempts ("
                    + describe(last) + ")", last);
        }
        throw new HubException.Truncated(f, expected, got, last);
    }

    /** A progress bar for a body of {@code total} bytes when it is large enough and not quiet, else null. */
    private ProgressBar progress(HubFile f, long have, long total) {
        PrintStream out = settings.progressOut();
        if (settings.quiet() || total < settings.progressThreshold() || (out == null && System.console() == null)) {
            return null;
        }
        return BodyWriter.progressBar(f.path(), have, total, out != null ? out : System.err);
    }

    private void sleep(int attempt) {
        long ms = Math.min(settings.backoff().toMillis() << Math.min(attempt, 10), 30_000L);
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

    /** A status worth retrying (5xx, 429, 408). */
    private static final class RetriableStatus extends Exception {
        final int code;

        RetriableStatus(int code) {
            super("HTTP " + code, null, false, false);
            this.code = code;
        }
    }
}
