package org.isaerft.sae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalogue of pretrained SAEs ({@code configs/pretrained_saes.yaml}), in SAELens'
 * {@code pretrained_saes.yaml} shape: release name → {@code repo_id}, {@code revision} (default
 * {@code main}), {@code model}, {@code format} (an {@link SaeFormat} name; {@code conversion_func} is
 * accepted as a synonym), optional {@code config_overrides}, and {@code saes: [{id, path, ...}]}.
 * The top-level {@code schema_version} is not a release.
 */
public final class PretrainedSaes {
    public static final int SCHEMA_VERSION = 1;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One SAE of a release; {@code extra} holds the remaining fields (hook, neuronpedia, l0, norm_scaling_factor, …). */
    public record Entry(String id, String path, Map<String, Object> extra) {
        public Entry {
            extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }
    }

    /** A release: where its files live and how to read them. */
    public record Release(String name, String repoId, String revision, String model, String format,
                          Map<String, Object> configOverrides, List<Entry> saes) {
        public Release {
            saes = List.copyOf(saes);
            configOverrides = configOverrides == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(configOverrides));
        }

        public Entry sae(String id) {
            for (Entry e : saes) {
                if (e.id().equals(id)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("release " + name + " has no SAE '" + id + "' (ids: "
                    + saes.stream().map(Entry::id).toList() + ")");
        }
    }

    private final Path source;
    private final Map<String, Release> releases;

    private PretrainedSaes(Path source, Map<String, Release> releases) {
        this.source = source;
        this.releases = Collections.unmodifiableMap(releases);
    }

    public static PretrainedSaes load(Path yaml) {
        if (!Files.exists(yaml)) {
            throw new IllegalArgumentException("pretrained SAE catalogue not found: " + yaml);
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(yaml + ": not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(yaml + ": expected a mapping of release names");
        }
        if (root.has("schema_version") && root.get("schema_version").asInt() != SCHEMA_VERSION) {
            throw new IllegalArgumentException(yaml + ": schema_version " + root.get("schema_version") + " is not supported (expected "
                    + SCHEMA_VERSION + ")");
        }
        Map<String, Release> out = new LinkedHashMap<>();
        var it = root.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().equals("schema_version")) {
                continue;
            }
            String name = e.getKey();
            JsonNode r = e.getValue();
            String where = yaml + ": release '" + name + "'";
            String repo = text(r, "repo_id", where);
            String format = r.hasNonNull("format") ? r.get("format").asText() : text(r, "conversion_func", where);
            SaeFormats.forName(format); // fail on unknown formats at load time
            JsonNode saes = r.get("saes");
            if (saes == null || !saes.isArray() || saes.isEmpty()) {
                throw new IllegalArgumentException(where + ": 'saes' must be a non-empty list");
            }
            List<Entry> entries = new ArrayList<>();
            for (JsonNode s : saes) {
                Map<String, Object> extra = new LinkedHashMap<>();
                s.fields().forEachRemaining(f -> {
                    if (!f.getKey().equals("id") && !f.getKey().equals("path")) {
                        extra.put(f.getKey(), YAML.convertValue(f.getValue(), Object.class));
                    }
                });
                entries.add(new Entry(text(s, "id", where + " sae"), text(s, "path", where + " sae"), extra));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> overrides = r.has("config_overrides") ? YAML.convertValue(r.get("config_overrides"), Map.class) : Map.of();
            out.put(name, new Release(name, repo, r.hasNonNull("revision") ? r.get("revision").asText() : "main",
                    r.hasNonNull("model") ? r.get("model").asText() : null, format, overrides, entries));
        }
        return new PretrainedSaes(yaml, out);
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' is missing");
        }
        return v.asText();
    }

    public Path source() {
        return source;
    }

    public Map<String, Release> releases() {
        return releases;
    }

    public Optional<Release> release(String name) {
        return Optional.ofNullable(releases.get(name));
    }
}
