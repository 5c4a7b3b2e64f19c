package org.isaerft.llm;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LLM answers on disk, one JSON file per request at {@code <dir>/<key[0..2]>/<key>.json}, keyed by
 * the sha256 of (provider, model, sampling parameters, full rendered messages, sample index). The
 * server URL and the API key are not part of the key and are never written. Entries are written
 * atomically; an unreadable or mismatching entry is treated as a miss and overwritten.
 */
public final class ResponseCache {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);
    public static final String TYPE = "llm_cache_entry";
    public static final int SCHEMA_VERSION = 1;

    private final Path dir;

    public ResponseCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** One cached answer. */
    public record Entry(
            @JsonProperty("schema_version") int schemaVersion,
            String type,
            String key,
            String provider,
            String model,
            Map<String, Object> parameters,
            int sample,
            List<Message> messages,
            String text,
            String finishReason,
            long inputTokens,
            long outputTokens,
            boolean usageEstimated,
            List<TokenLogprobs> logprobs,
            String createdAt) {
        public Entry {
            logprobs = List.copyOf(logprobs == null ? List.of() : logprobs);
        }
    }

    /** The sha256 (hex) that names a request. */
    public static String key(String provider, String model, Map<String, Object> parameters, List<Message> messages, int sample) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("provider", provider);
        k.put("model", model);
        k.put("parameters", parameters);
        k.put("messages", messages);
        k.put("sample", sample);
        return sha256(Json.line(k));
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".json");
    }

    /** Result of a lookup: a hit, a miss, or a corrupt entry (which callers count and overwrite). */
    public record Lookup(Optional<Entry> entry, boolean corrupt) {}

    public Lookup get(String key) {
        Path p = path(key);
        if (!Files.isRegularFile(p)) {
            return new Lookup(Optional.empty(), false);
        }
        try {
            Entry e = Json.MAPPER.readValue(Files.readAllBytes(p), Entry.class);
            if (e.schemaVersion() != SCHEMA_VERSION || !TYPE.equals(e.type()) || !key.equals(e.key()) || e.text() == null) {
                LOG.warn("ignoring cache entry {}: schema/type/key mismatch; it will be rewritten", p);
                return new Lookup(Optional.empty(), true);
            }
            return new Lookup(Optional.of(e), false);
        } catch (IOException | RuntimeException ex) {
            LOG.warn("ignoring corrupt cache entry {} ({}); it will be rewritten", p, ex.getMessage());
            return new Lookup(Optional.empty(), true);
        }
    }

    public void put(Entry e) {
        AtomicFiles.writeString(path(e.key()), Json.write(e) + "\n");
    }
}
