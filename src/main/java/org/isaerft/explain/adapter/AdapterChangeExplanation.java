package org.isaerft.explain.adapter;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.isaerft.llm.Usage;

/**
 * What a scale or bias adapter changed: the latents raised and lowered most, and a summary.
 * On disk with {@code type: "adapter_change_explanation"}.
 */
public record AdapterChangeExplanation(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String adapterId,
        String kind,
        String summary,
        List<WeightedLatent> raised,
        List<WeightedLatent> lowered,
        String method,
        String promptId,
        String promptVersion,
        String promptSha256,
        Usage usage,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "adapter_change_explanation";

    public AdapterChangeExplanation {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected " + TYPE + " v" + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
        }
        if (summary == null || summary.isBlank()) {
            throw new IllegalArgumentException("adapter " + adapterId + ": empty change summary");
        }
        raised = List.copyOf(raised);
        lowered = List.copyOf(lowered);
        usage = usage == null ? Usage.NONE : usage;
    }
}
