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
import org.isaerft.config.ProjectHome;
import org.isaerft.util.Json;

/**
 * Reads task cards (YAML) and resolves the paths they mention. A card is named by a path to a
 * YAML file or by its name, looked up as {@code benchmarks/suite/tasks/<name>.yaml} under the
 * given {@link ProjectHome}.
 */
public final class TaskCards {
    private TaskCards() {}

    /**
     * A parsed card, the file it came from, and the project whose shared folder {@code ${shared}} means.
     */
    public record Loaded(TaskCard card, Path file, ProjectHome home) {
        public Loaded {
            if (card == null || file == null || home == null) {
                throw new IllegalArgumentException("a loaded task card needs a card, its file and a project home (file " + file + ")");
            }
            file = file.toAbsolutePath().normalize();
        }

        /** Resolves a path mentioned in the card: {@code ${shared}} prefix, absolute, else relative to the card's directory. */
        public Path resolve(String p) {
            return home.resolve(p, file.getParent());
        }
    }

    /** Loads a card by file path or by built-in name ({@code <home>/benchmarks/suite/tasks/<name>.yaml}). */
    public static Loaded load(String nameOrPath, ProjectHome home) {
        Path p = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml") || Files.exists(p)) {
            return new Loaded(read(p), p, home);
        }
        Path builtin = home.tasksDir().resolve(nameOrPath + ".yaml");
        if (!Files.exists(builtin)) {
            throw new IllegalArgumentException("task card '" + nameOrPath + "' not found: not a file, and no " + builtin
                    + " (built-in cards: " + builtinNames(home) + ")");
        }
        return new Loaded(read(builtin), builtin, home);
    }

    /** Names of the cards in {@code <home>/benchmarks/suite/tasks}, sorted. */
    public static List<String> builtinNames(ProjectHome home) {
        Path dir = home.tasksDir();
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
