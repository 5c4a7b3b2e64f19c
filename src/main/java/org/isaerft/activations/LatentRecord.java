package org.isaerft.activations;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything mined about one latent: the unit explainers and scorers work on. On disk as JSON
 * with {@code schema_version} and {@code type: "latent_record"}.
 *
 * @param topExamples    highest-activating windows (split recorded per example)
 * @param decileExamples windows sampled evenly over activation deciles
 * @param randomExamples non-activating windows
 * @param logitLens      null for virtual latents without a decoder direction
 */
public record LatentRecord(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        LatentId id,
        boolean dead,
        LatentStats stats,
        List<Example> topExamples,
        List<Example> decileExamples,
        List<Example> randomExamples,
        LogitLens logitLens) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "latent_record";

    public LatentRecord {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("latent record " + id + ": schema_version " + schemaVersion + " is not supported (expected "
                    + SCHEMA_VERSION + ")");
        }
        if (!TYPE.equals(type)) {
            throw new IllegalArgumentException("expected type 'latent_record', found '" + type + "'");
        }
        if (id == null || stats == null) {
            throw new IllegalArgumentException("latent record needs an id and stats");
        }
        topExamples = List.copyOf(topExamples == null ? List.of() : topExamples);
        decileExamples = List.copyOf(decileExamples == null ? List.of() : decileExamples);
        randomExamples = List.copyOf(randomExamples == null ? List.of() : randomExamples);
    }

    public static LatentRecord of(LatentId id, boolean dead, LatentStats stats, List<Example> top, List<Example> deciles,
            List<Example> random, LogitLens lens) {
        return new LatentRecord(SCHEMA_VERSION, TYPE, id, dead, stats, top, deciles, random, lens);
    }

    /** All examples (top, decile, random) of one split. */
    public List<Example> examples(String split) {
        List<Example> out = new ArrayList<>();
        for (List<Example> l : List.of(topExamples, decileExamples, randomExamples)) {
            for (Example e : l) {
                if (e.split().equals(split)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** Activating examples (top + decile) of one split. */
    public List<Example> activating(String split) {
        List<Example> out = new ArrayList<>();
        for (List<Example> l : List.of(topExamples, decileExamples)) {
            for (Example e : l) {
                if (e.split().equals(split)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** Non-activating examples of one split. */
    public List<Example> nonActivating(String split) {
        return randomExamples.stream().filter(e -> e.split().equals(split)).toList();
    }
}
