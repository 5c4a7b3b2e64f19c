package org.isaerft.hub;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.isaerft.config.ProjectHome;
import org.isaerft.util.Json;

/**
 * Model aliases as data ({@code configs/models.yaml}): each alias names a hub repository, a
 * revision, the files a model needs (with sha256 where known) and optionally a format hint.
 *
 * <pre>
 * schema_version: 1
 * models:
 *   stories260K:
 *     repo: karpathy/tinyllamas
 *     revision: main
 *     format: llama2c
 *     files:
 *       - {path: stories260K/stories260K.bin, sha256: b0a5...}
 *   gpt2:
 *     repo: openai-community/gpt2
 *     files: [config.json, model.safetensors, tokenizer.json]
 * </pre>
 */
public final class ModelRegistry {
    public static final int SCHEMA_VERSION = 1;

    private final Path source;
    private final Map<String, Entry> entries;

    private ModelRegistry(Path source, Map<String, Entry> entries) {
        this.source = source;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** One file of an alias: a repo path, and its sha256 if known. A bare string in YAML is a path. */
    public record FileEntry(String path, String sha256) {
        public FileEntry {
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException("model file entry needs a path");
            }
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static FileEntry of(String path) {
            return new FileEntry(path, null);
        }

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public static FileEntry of(@JsonProperty("path") String path, @JsonProperty("sha256") String sha256) {
            return new FileEntry(path, sha256);
        }
    }

    /** One alias. {@code repoType} defaults to model, {@code revision} to main. */
    public record Entry(String repo, RepoType repoType, String revision, List<FileEntry> files, String format,
                        String description) {
        public Entry {
            if (repo == null || repo.isBlank()) {
                throw new IllegalArgumentException("model alias entry needs a repo");
            }
            if (files == null || files.isEmpty()) {
                throw new IllegalArgumentException("model alias for repo " + repo + " lists no files");
            }
            repoType = repoType == null ? RepoType.MODEL : repoType;
            revision = revision == null || revision.isBlank() ? "main" : revision;
            files = List.copyOf(files);
        }

        /** The hub files of this alias (validated: repo id, revision, path, sha256 syntax). */
        public List<HubFile> hubFiles() {
            List<HubFile> out = new ArrayList<>();
            for (FileEntry fe : files) {
                out.add(new HubFile(repoType, repo, revision, fe.path(), fe.sha256()));
            }
            return out;
        }
    }

    /** The file's top level. */
    record Document(int schemaVersion, Map<String, Entry> models) {}

    public static ModelRegistry load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model registry not found: " + file);
        }
        Document doc;
        try {
            doc = Json.YAML.readValue(file.toFile(), Document.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not a valid model registry: " + e.getMessage(), e);
        }
        if (doc == null || doc.schemaVersion() != SCHEMA_VERSION) {
            throw new IllegalArgumentException(file + ": schema_version must be " + SCHEMA_VERSION + ", found "
                    + (doc == null ? "an empty file" : doc.schemaVersion()));
        }
        Map<String, Entry> models = doc.models() == null ? Map.of() : doc.models();
        for (var e : models.entrySet()) {
            try {
                e.getValue().hubFiles();
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(file + ": alias '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
        }
        return new ModelRegistry(file, models);
    }

    /** The project's registry, {@code configs/models.yaml} under {@code home}. */
    public static ModelRegistry project(ProjectHome home) {
        return load(home.modelRegistry());
    }

    public Path source() {
        return source;
    }

    public Optional<Entry> get(String alias) {
        return Optional.ofNullable(entries.get(alias));
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public TreeSet<String> aliases() {
        return new TreeSet<>(entries.keySet());
    }
}
