package org.isaerft.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.util.Json;

/**
 * The one codec of run documents (Jackson, snake_case, sorted map keys, atomic writes): stage output
 * records, {@code saes/saes.json}, {@code adapters/summary.json}, {@code validate/*.json}. Reading names the
 * file and the expected type when a document is missing or does not match.
 */
public final class RunCodec {
    private RunCodec() {}

    public static void write(Path file, Object document) {
        Json.writeFile(file, document);
    }

    public static <T> T read(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing run document " + file + " (expected a " + type.getSimpleName()
                    + "); was the stage that writes it run?");
        }
        try {
            return Json.readFile(file, type);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read " + file + " as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A stage output record as the map stored in its marker. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(Record output) {
        return new LinkedHashMap<>(Json.MAPPER.convertValue(output, Map.class));
    }
}
