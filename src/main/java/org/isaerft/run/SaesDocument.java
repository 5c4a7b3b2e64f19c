package org.isaerft.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code saes/saes.json}: the SAEs the run uses, in config order. */
public record SaesDocument(@JsonProperty("schema_version") int schemaVersion, List<SaeInfo> saes) {
    public static final int SCHEMA_VERSION = 1;

    public SaesDocument {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("saes.json schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        saes = List.copyOf(saes);
    }
}
