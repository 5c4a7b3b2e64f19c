package org.isaerft.adapter.task;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.isaerft.util.Json;

/**
 * Reads task cards (YAML) and resolves the paths they mention. A card is named by a path to a
 * YAML file or by its name, looked up as {@code benchmarks/suite/tasks/<name>.yaml} under the
 * project home ({@code -Disaerft.home}, set by {@code scripts/isaerft}; else the working directory).
 */
public final class TaskCards {
    public static final String TASKS_DIR = "benchmarks/suite/tasks";

    private TaskCards() {}

    /** A parsed card and the file it came from. */
    public record Loaded(TaskCard card, Path file) {
        /** Resolves a path mentioned in the card: {@code ${shared}} prefix, else relative to the card's directory. */
        public Path resolve(String p) {
            return TaskCards.resolve(file, p);
        }
    }

    public static Path home() {
        String h = System.getProperty("isaerft.home");
        return (h != null ? Path.of(h) : Path.of("")).toAbsolutePath().normalize();
    }

    /** The folder holding ../shared: -Disaerft.shared, $ISAERFT_SHARED, else home/../shared. */
    public static Path sharedRoot() {
        String p = System.getProperty("isaerft.shared");
        if (p == null) {
            p = System.getenv("ISAERFT_SHARED");
        }
        return (p != null ? Path.of(p) : home().resolve("..").resolve("shared")).toAbsolutePath().normalize();
    }

    static Path resolve(Path cardFile, String p) {
        if (p.startsWith("${shared}")) {
            String rest = p.substring("${shared}".length()).replaceFirst("^/+", "");
            return sharedRoot().resolve(rest).normalize();
        }
        Path q = Path.of(p);
        if (q.isAbsolute()) {
            return q;
        }
        Path dir = cardFile.toAbsolutePath().getParent();
        return dir.resolve(q).normalize();
    }

    /** Loads a card by file path or by built-in name. */
    public static Loaded load(String nameOrPath) {
        Path p = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml") || Files.exists(p)) {
            return new Loaded(read(p), p.toAbsolutePath().normalize());
        }
        Path builtin = home().resolve(TASKS_DIR).resolve(nameOrPath + ".yaml");
        if (!Files.exists(builtin)) {
            throw new IllegalArgumentException("task card '" + nameOrPath + "' not found: not a file, and no " + builtin
                    + " (built-in cards: " + builtinNames() + ")");
        }
        return new Loaded(read(builtin), builtin);
    }

    /** Names of the cards in the project's tasks folder. */
    public static List<String> builtinNames() {
        Path dir = home().resolve(TASKS_DIR);
        List<String> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
                        .forEach(n -> out.add(n.substring(0, n.length() - 5)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot list " + dir, e);
            }
        }
        return out;
    }

    /** Parses one card; every error names the file and the field. */
    public static TaskCard read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("task card " + file + ": file not found", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("task card " + file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses YAML text; {@code origin} names it in errors. */
    public static TaskCard parse(String yaml, String origin) {
        JsonNode node;
        try {
            node = Json.YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("task card " + origin + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("task card " + origin + ": expected a YAML mapping at the top level");
        }
        if (!node.has("schema_version")) {
            throw new IllegalArgumentException("task card " + origin + ": schema_version is missing (expected " + TaskCard.SCHEMA_VERSION + ")");
        }
        try {
            return Json.YAML.treeToValue(node, TaskCard.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("task card " + origin + ": " + describe(e), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("task card " + origin + ": " + e.getOriginalMessage(), e);
        }
    }

    /** "field 'data.sources[0].file': message" from a Jackson error. */
    private static String describe(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String msg;
        if (cause instanceof IllegalArgumentException && cause != e) {
            msg = cause.getMessage();
        } else if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            msg = "unknown field '" + u.getPropertyName() + "' (known: " + u.getKnownPropertyIds() + ")";
        } else {
            msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            if (nl > 0) {
                msg = msg.substring(0, nl);
            }
        }
        return (path.length() > 0 ? "at '" + path + "': " : "") + msg;
    }
}
