package org.isaerft.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.isaerft.util.Json;

/**
 * The {@code _SUCCESS} file of a finished stage (and {@code _STARTED} of a started one): the hash
 * of the stage's inputs (its config slice plus the markers of the stages it reads), so a changed
 * input makes the stage stale, and a nonce that changes whenever the stage is redone, so the
 * stages downstream of a redone stage become stale too.
 *
 * @param inputHash sha256 of the stage's inputs
 * @param nonce     random id of this execution (downstream stages hash it)
 * @param seconds   wall time of the stage
 * @param cpuSeconds process CPU time spent while the stage ran
 * @param counts    what the stage produced (e.g. adapters trained, latents explained)
 */
public record StageMarker(@JsonProperty("schema_version") int schemaVersion, String stage, String inputHash, String nonce,
        String finishedAt, double seconds, double cpuSeconds, Map<String, Object> counts) {
    public static final int SCHEMA_VERSION = 1;
    public static final String SUCCESS = "_SUCCESS";
    public static final String STARTED = "_STARTED";

    public StageMarker {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("stage marker schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        counts = counts == null ? Map.of() : counts;
    }

    /** The marker at {@code dir/name}, or null when absent or unreadable (an unreadable marker means "not done"). */
    public static StageMarker read(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return Json.readFile(p, StageMarker.class);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
