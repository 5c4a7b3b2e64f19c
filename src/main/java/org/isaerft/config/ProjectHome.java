package org.isaerft.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the project's own files live, decided once: the project folder ({@code configs/},
 * {@code prompts/}, {@code benchmarks/}) and the shared folder (models, corpora, fixtures) that
 * {@code ${shared}} in configs and task cards stands for.
 *
 * <p>{@link #fromSystem()} is the only place that reads {@code -Disaerft.home} (set by
 * {@code scripts/isaerft}), {@code -Disaerft.shared} and {@code $ISAERFT_SHARED}; {@code cli.Main} calls it
 * once and passes the value down (commands get it from the root command, the pipeline keeps it in its
 * {@code StageContext}, library code takes it as an argument). There is no global: tests build their own
 * with {@link #at} or the constructor.
 *
 * @param home   the project folder (absolute, normalised)
 * @param shared the shared folder (absolute, normalised); need not exist
 */
public record ProjectHome(Path home, Path shared) {
    public static final String SHARED_PREFIX = "${shared}";

    public ProjectHome {
        if (home == null) {
            throw new IllegalArgumentException("project home must not be null");
        }
        if (shared == null) {
            throw new IllegalArgumentException("shared folder must not be null (project home " + home + ")");
        }
        home = home.toAbsolutePath().normalize();
        shared = shared.toAbsolutePath().normalize();
    }

    /** A project at {@code home} with the shared folder beside it ({@code home/../shared}). */
    public static ProjectHome at(Path home) {
        Path h = home.toAbsolutePath().normalize();
        return new ProjectHome(h, h.resolve("..").resolve("shared"));
    }

    /** From this process: {@code isaerft.home} (else the working directory), {@code isaerft.shared}, {@code ISAERFT_SHARED}. */
    public static ProjectHome fromSystem() {
        return from(System.getProperty("isaerft.home"), System.getProperty("isaerft.shared"), System.getenv());
    }

    /**
     * @param homeProperty   the {@code isaerft.home} value or null (the working directory)
     * @param sharedProperty the {@code isaerft.shared} value or null (then {@code ISAERFT_SHARED}, then {@code home/../shared})
     */
    static ProjectHome from(String homeProperty, String sharedProperty, Map<String, String> env) {
        ProjectHome base = at(blank(homeProperty) ? Path.of("") : Path.of(homeProperty));
        String shared = !blank(sharedProperty) ? sharedProperty : env.get("ISAERFT_SHARED");
        return blank(shared) ? base : new ProjectHome(base.home(), Path.of(shared));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** A path written in a config: {@code ${shared}/…} → the shared folder, absolute as is, relative → the project home. */
    public Path resolve(String p) {
        return resolve(p, home);
    }

    /** Like {@link #resolve(String)}, but relative paths are taken from {@code base} (e.g. a task card's folder). */
    public Path resolve(String p, Path base) {
        if (p == null || p.isBlank()) {
            throw new IllegalArgumentException("empty path (relative to " + base + ")");
        }
        if (p.startsWith(SHARED_PREFIX)) {
            String rest = p.substring(SHARED_PREFIX.length()).replaceFirst("^[/\\\\]+", "");
            return shared.resolve(rest).normalize();
        }
        Path q = Path.of(p);
        return q.isAbsolute() ? q.normalize() : base.toAbsolutePath().resolve(q).normalize();
    }

    /** {@code configs/models.yaml}: model aliases. */
    public Path modelRegistry() {
        return home.resolve("configs").resolve("models.yaml");
    }

    /** {@code configs/pretrained_saes.yaml}: the pretrained SAE catalogue. */
    public Path saeCatalogue() {
        return home.resolve("configs").resolve("pretrained_saes.yaml");
    }

    /** {@code prompts/}: LLM prompts by id. */
    public Path promptsDir() {
        return home.resolve("prompts");
    }

    /** {@code benchmarks/suite/tasks/}: the built-in task cards. */
    public Path tasksDir() {
        return home.resolve("benchmarks").resolve("suite").resolve("tasks");
    }

    /** {@code <shared>/models} when it exists: the default offline mirror of hub files; else null. */
    public Path sharedModelsOrNull() {
        Path m = shared.resolve("models");
        return Files.isDirectory(m) ? m : null;
    }
}
