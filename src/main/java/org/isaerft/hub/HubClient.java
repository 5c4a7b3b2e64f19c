package org.isaerft.hub;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.isaerft.config.ProjectHome;

/**
 * A Hugging Face hub client: fetches single files of model or dataset repositories into a cache
 * laid out exactly like {@code huggingface_hub}'s, so both tools share it. A facade over three
 * parts, each usable on its own: {@link HubResolver} (mirror → cache → hub), {@link HubDownloader}
 * (HTTP, resumable verified download) and {@link HubCache} (the cache layout).
 *
 * <p>Order of lookup for {@link #fetch}: the offline mirror ({@code ISAERFT_MIRROR}; by default
 * {@code <shared>/models} of the {@link ProjectHome} when it exists), then the cache, then the network
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
    private static final Set<String> NONE = Set.of("", "none", "off");

    private final HubCache cache;
    private final HubDownloader downloader;
    private final HubResolver resolver;

    private HubClient(Builder b) {
        Map<String, String> env = b.env != null ? b.env : System.getenv();
        String endpoint = stripSlash(b.endpoint != null ? b.endpoint : nonBlank(env.get("HF_ENDPOINT"), "https://huggingface.co"));
        String token = b.tokenSet ? b.token : env.get("HF_TOKEN");
        this.cache = new HubCache(b.cacheDir != null ? b.cacheDir : defaultCache(env));
        Path mirror = b.mirrorSet ? b.mirror : defaultMirror(env, b.home);
        boolean offline = b.offline != null ? b.offline : truthy(env.get("HF_HUB_OFFLINE"));
        OkHttpClient http = b.http != null ? b.http : new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(60))
                .build();
        this.downloader = new HubDownloader(endpoint, token, http,
                new HubDownloader.Settings(b.maxRetries, b.backoff, b.quiet, b.progressOut, b.progressThreshold));
        this.resolver = new HubResolver(mirror, cache, downloader, offline);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A client configured from the process environment, mirroring {@code home}'s {@code <shared>/models} by default. */
    public static HubClient fromEnvironment(ProjectHome home) {
        return builder().home(home).build();
    }

    public String endpoint() {
        return downloader.endpoint();
    }

    /** The hub cache root ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}). */
    public Path cacheDir() {
        return cache.root();
    }

    public Optional<Path> mirror() {
        return resolver.mirror();
    }

    public boolean offline() {
        return resolver.offline();
    }

    public boolean hasToken() {
        return downloader.hasToken();
    }

    public HubCache cache() {
        return cache;
    }

    public HubDownloader downloader() {
        return downloader;
    }

    public HubResolver resolver() {
        return resolver;
    }

    /** The resolve URL of a file: {@code {endpoint}/[datasets/]{repo}/resolve/{revision}/{path}}. */
    public HttpUrl url(HubFile f) {
        return downloader.url(f);
    }

    /** The cache folder of a repository ({@code models--org--name}). */
    public Path repoFolder(HubFile f) {
        return cache.repoFolder(f);
    }

    /** See {@link HubResolver#fetch}. */
    public Path fetch(HubFile f) {
        return resolver.fetch(f);
    }

    /** The mirror's copy ({@code <mirror>/<repo>/<path>}, then {@code <mirror>/<path>}), sha256-checked when known. */
    public Optional<Path> fromMirror(HubFile f) {
        return resolver.fromMirror(f);
    }

    /** The cached snapshot file, without any network access; empty if not cached. */
    public Optional<Path> fromCache(HubFile f) {
        return cache.find(f);
    }

    /** Lower-case hex sha256 of a file's content. */
    public static String sha256(Path p) {
        return Sha256.of(p);
    }

    // ---------------------------------------------------------------- environment

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String nonBlank(String s, String dflt) {
        return s == null || s.isBlank() ? dflt : s;
    }

    static boolean truthy(String s) {
        return s != null && Set.of("1", "on", "yes", "true").contains(s.trim().toLowerCase(Locale.ROOT));
    }

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
     * {@code isaerft.mirror}, else {@code <shared>/models} of the project home (when one was given and that directory exists).
     */
    private static Path defaultMirror(Map<String, String> env, ProjectHome home) {
        String m = env.containsKey("ISAERFT_MIRROR") ? env.get("ISAERFT_MIRROR") : System.getProperty("isaerft.mirror");
        if (m != null) {
            return NONE.contains(m.trim().toLowerCase(Locale.ROOT)) ? null : Path.of(m).toAbsolutePath().normalize();
        }
        return home == null ? null : home.sharedModelsOrNull();
    }

    /** Options; anything unset comes from the environment map (by default the process environment). */
    public static final class Builder {
        private Map<String, String> env;
        private ProjectHome home;
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

        /** The project whose {@code <shared>/models} is the default mirror (default: none, so no default mirror). */
        public Builder home(ProjectHome home) {
            this.home = home;
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
