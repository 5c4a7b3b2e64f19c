package org.isaerft.hub;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;

/**
 * A minimal Hugging Face hub for MockWebServer: serves {@code /[datasets/]org/name/resolve/rev/path}
 * for HEAD and GET (with Range) the way the hub does (X-Repo-Commit, X-Linked-Etag, ETag), with
 * switches for failure modes.
 */
final class FakeHub extends Dispatcher {
    private static final Pattern RESOLVE = Pattern.compile("/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    record Served(byte[] content, String etag, boolean lfs) {}

    final Map<String, Served> files = new ConcurrentHashMap<>();
    final Map<String, String> branches = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile String requiredToken;
    volatile boolean truncate;
    volatile boolean ignoreRange;
    volatile byte[] corruptWith;
    volatile int failNext5xx;
    volatile int stallNext;
    /** When set, LFS files answer 302 to {@code cdn + "/blob/" + sha256} (as the hub redirects to its CDN). */
    volatile okhttp3.HttpUrl cdn;

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds an LFS file (etag = sha256 of content) of {@code repo} at every known revision. */
    FakeHub lfs(String repo, String path, byte[] content) {
        files.put(repo + "|" + path, new Served(content, sha256(content), true));
        return this;
    }

    /** Adds a regular git file (etag = an opaque git blob id, not a sha256). */
    FakeHub git(String repo, String path, byte[] content) {
        files.put(repo + "|" + path, new Served(content, sha256(content).substring(0, 40), false));
        return this;
    }

    FakeHub branch(String name, String commit) {
        branches.put(name, commit);
        return this;
    }

    @Override
    public MockResponse dispatch(RecordedRequest req) {
        if (failNext5xx > 0) {
            failNext5xx--;
            return new MockResponse.Builder().code(503).body("busy").build();
        }
        if (stallNext > 0) {
            stallNext--;
            return new MockResponse.Builder().headersDelay(3, java.util.concurrent.TimeUnit.SECONDS).body("late").build();
        }
        Matcher m = RESOLVE.matcher(req.getUrl().encodedPath());
        if (!m.matches()) {
            return new MockResponse.Builder().code(404).body("no route").build();
        }
        if (requiredToken != null && !("Bearer " + requiredToken).equals(req.getHeaders().get("Authorization"))) {
            return new MockResponse.Builder().code(401).addHeader("X-Error-Code", "RepoNotFound").body("Invalid credentials").build();
        }
        String repo = (m.group(1) != null ? "datasets/" : "") + m.group(2);
        String rev = m.group(3);
        String commit = rev.matches("[0-9a-f]{40}") ? rev : branches.get(rev);
        Served s = files.get(repo + "|" + m.group(4));
        if (commit == null || s == null) {
            return new MockResponse.Builder().code(404).addHeader("X-Error-Code", "EntryNotFound")
                    .addHeader("X-Error-Message", "Entry not found").body("Entry not found").build();
        }
        MockResponse.Builder b = new MockResponse.Builder().addHeader("X-Repo-Commit", commit);
        if (s.lfs()) {
            b.addHeader("X-Linked-Etag", "\"" + s.etag() + "\"").addHeader("X-Linked-Size", s.content().length)
                    .addHeader("ETag", "\"cdn-" + s.etag().substring(0, 8) + "\"");
        } else {
            b.addHeader("ETag", "W/\"" + s.etag() + "\"");
        }
        if (cdn != null && s.lfs()) {
            return b.code(302).addHeader("Location", cdn.resolve("/blob/" + s.etag())).addHeader("Content-Length", 0).build();
        }
        if (req.getMethod().equals("HEAD")) {
            return b.addHeader("Content-Length", s.content().length).build();
        }
        gets.incrementAndGet();
        byte[] content = corruptWith != null ? corruptWith : s.content();
        int start = 0;
        String range = req.getHeaders().get("Range");
        if (range != null && !ignoreRange) {
            Matcher r = RANGE.matcher(range);
            if (r.matches()) {
                start = Integer.parseInt(r.group(1));
                if (start >= content.length) {
                    return b.code(416).body("").build();
                }
                b.code(206).addHeader("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
            }
        }
        int len = content.length - start;
        if (truncate) {
            Buffer half = new Buffer().write(content, start, len / 2);
            return b.body(half).setHeader("Content-Length", len).onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build();
        }
        return b.body(new Buffer().write(content, start, len)).build();
    }
}
