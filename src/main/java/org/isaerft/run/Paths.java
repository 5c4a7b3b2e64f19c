package org.isaerft.run;

import java.nio.file.Path;
import org.isaerft.adapter.task.TaskCards;

/** Resolves paths written in configs: {@code ${shared}/...} → the shared folder, relative → the project home. */
public final class Paths {
    private Paths() {}

    public static Path resolve(String p) {
        if (p.startsWith("${shared}")) {
            String rest = p.substring("${shared}".length()).replaceFirst("^/+", "");
            return TaskCards.sharedRoot().resolve(rest).normalize();
        }
        Path path = Path.of(p);
        return path.isAbsolute() ? path.normalize() : TaskCards.home().resolve(path).normalize();
    }
}
