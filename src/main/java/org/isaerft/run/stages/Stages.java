package org.isaerft.run.stages;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.config.RunConfig;
import org.isaerft.run.Stage;

/** The pipeline's stages in order, and what their config slices share. */
public final class Stages {
    private Stages() {}

    /** Every stage of a run, in execution order (recovery only when the config has a {@code recovery:} section). */
    public static List<Stage<?>> all(RunConfig config) {
        List<Stage<?>> out = new java.util.ArrayList<>(List.of(new SaesStage(config), new AdaptersStage(config), new MineStage(config),
                new ExplainStage(config), new ScoreStage(config), new ValidateStage(config)));
        if (config.recovery() != null) { // optional: only with a recovery: section
            out.add(new RecoveryStage(config));
        }
        out.add(new ReportStage(config));
        return List.copyOf(out);
    }

    /** Schema version of every stage output record. */
    public static final int OUTPUT_SCHEMA_VERSION = 1;

    /** The checks of every output record: its schema version, and counts that cannot be negative. */
    static void checkOutput(int schemaVersion, long... counts) {
        if (schemaVersion != OUTPUT_SCHEMA_VERSION) {
            throw new IllegalArgumentException("stage output schema_version: expected " + OUTPUT_SCHEMA_VERSION + ", found " + schemaVersion);
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("stage output: counts must be >= 0, found " + c);
            }
        }
    }

    /** The part of every slice: seed and model. */
    static Map<String, Object> baseSlice(RunConfig config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", config.seed());
        m.put("model", config.model());
        return m;
    }
}
