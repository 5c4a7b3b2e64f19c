package org.isaerft.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import org.isaerft.validate.AuditEntry;
import org.isaerft.validate.ValidationCell;

/** The validate stage's documents (keys in alphabetical order, as the maps they replace were written). */
public final class ValidateDocuments {
    private ValidateDocuments() {}

    public static final int SCHEMA_VERSION = 1;

    /** {@code validate/validation.json}. */
    @JsonPropertyOrder(alphabetic = true)
    public record Validations(List<ValidationCell> results, @JsonProperty("schema_version") int schemaVersion) {
        public Validations {
            if (schemaVersion != SCHEMA_VERSION) {
                throw new IllegalArgumentException("validation.json schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
            }
            results = List.copyOf(results);
        }
    }

    /** {@code validate/audit.json}. */
    @JsonPropertyOrder(alphabetic = true)
    public record Audit(List<AuditEntry> flagged, @JsonProperty("schema_version") int schemaVersion) {
        public Audit {
            if (schemaVersion != SCHEMA_VERSION) {
                throw new IllegalArgumentException("audit.json schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
            }
            flagged = List.copyOf(flagged);
        }
    }
}
