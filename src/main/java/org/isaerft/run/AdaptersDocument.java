package org.isaerft.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** {@code adapters/summary.json}: one row per trained adapter (SAE × task × component), keys in alphabetical order. */
@JsonPropertyOrder(alphabetic = true)
public record AdaptersDocument(List<Row> adapters, @JsonProperty("schema_version") int schemaVersion) {
    public static final int SCHEMA_VERSION = 1;

    public AdaptersDocument {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("adapters/summary.json schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        adapters = List.copyOf(adapters);
    }

    /** @param dir the adapter's folder, relative to the run folder */
    @JsonPropertyOrder(alphabetic = true)
    public record Row(Double adaptedTaskLoss, Double baseTaskLoss, String component, String dir, String sae, String saeType, Double seconds,
            Integer steps, String task, List<TopChange> topChangedLatents, Long trainableParams) {
        public Row {
            if (sae == null || task == null || component == null || dir == null) {
                throw new IllegalArgumentException("adapter row: sae, task, component and dir are required");
            }
        }
    }

    @JsonPropertyOrder(alphabetic = true)
    public record TopChange(int latent, double meanAbsDelta, double paramChange) {}
}
