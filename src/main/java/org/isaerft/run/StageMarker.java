package org.isaerft.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.isaerft.util.Json;

/**
 * The {@code _SUCCESS} file of a finished stage (and {@code _STARTED} of a started one). Its
 * {@code input_hash} is the hash of the stage's config slice and of the input hashes of the stages it
 * reads, so a changed input makes the stage and everything downstream stale. There is no random nonce:
 * two identical runs write identical markers outside the timing fields, and {@code --force} clears the
 * forced stage and its downstream stages explicitly ({@link Pipeline}).
 *
 * @param inputHash  sha256 of the stage's inputs
 * @param seconds    wall time of the stage (timing field)
 * @param cpuSeconds process CPU time spent while the stage ran (timing field)
 * @param output     the stage's output record as written by {@link RunCodec} (empty in {@code _STARTED})
 */
public record StageMarker(@JsonProperty("schema_version") int schemaVersion, String stage, String inputHash, String finishedAt,
        double seconds, double cpuSeconds, Map<String, Object> output) {
    public static final int SCHEMA_VERSION = 2;
    public static final String SUCCESS = "_SUCCESS";
    public static final String STARTED = "_STARTED";

    public StageMarker {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("stage marker schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        if (stage == null || inputHash == null) {
            throw new IllegalArgumentException("stage marker: stage and input_hash are required");
        }
        output = output == null ? Map.of() : output;
    }

    /** The marker at {@code dir/name}, or null when absent or unreadable (an unreadable or older marker means "not done"). */
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
