package org.isaerft.llm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.isaerft.config.ProjectHome;
import org.isaerft.util.Json;

/**
 * Loads prompts from the project's {@code prompts/} directory (or another root), by id:
 * {@code prompts/<id>.yaml} where id may contain '/' (e.g. {@code explain/oai-neuron}).
 */
public final class Prompts {
    private final Path root;

    public Prompts(Path root) {
        this.root = root;
    }

    /** The project's prompts directory, {@code prompts/} under {@code home}. */
    public static Prompts project(ProjectHome home) {
        return new Prompts(home.promptsDir());
    }

    public Path root() {
        return root;
    }

    public Prompt load(String id) {
        Path p = root.resolve(id + ".yaml");
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("prompt '" + id + "' not found: " + p);
        }
        try {
            byte[] bytes = Files.readAllBytes(p);
            Prompt raw = Json.YAML.readValue(bytes, Prompt.class);
            if (!raw.id().equals(id)) {
                throw new IllegalArgumentException(p + ": id field '" + raw.id() + "' does not match its path id '" + id + "'");
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            return new Prompt(raw.id(), raw.version(), raw.description(), raw.system(), raw.user(), raw.fewShot(), sha);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": not a valid prompt file: " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
