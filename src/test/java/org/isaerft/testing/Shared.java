package org.isaerft.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (fixtures, models, corpora). Tests fail loudly if it is missing. */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String prop = System.getProperty("isaerft.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("../shared not found at " + p + " (set -Disaerft.shared=DIR)");
        }
        return p;
    }

    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing shared file " + p);
        }
        return p;
    }
}
