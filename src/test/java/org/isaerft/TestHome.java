package org.isaerft;

import java.nio.file.Path;
import org.isaerft.config.ProjectHome;

/** The project home tests run in: the working folder (the project), with the shared folder beside it. */
public final class TestHome {
    /** {@code ProjectHome.at(".")}: configs, prompts and task cards of this checkout; {@code ${shared}} = {@code ../shared}. */
    public static final ProjectHome HOME = ProjectHome.at(Path.of(""));

    private TestHome() {}
}
