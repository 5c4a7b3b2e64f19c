package org.isaerft.run;

import java.nio.file.Path;
import org.isaerft.config.ProjectHome;

/** Resolves paths written in configs: {@code ${shared}/...} → the shared folder, relative → the project home. */
public final class Paths {
    private Paths() {}

    public static Path resolve(String p) {
        return ProjectHome.current().resolve(p);
    }
}
