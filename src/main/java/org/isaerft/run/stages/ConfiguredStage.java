package org.isaerft.run.stages;

import java.util.Map;
import org.isaerft.config.RunConfig;
import org.isaerft.run.Stage;
import org.isaerft.run.layout.StageId;

/**
 * What every stage of {@link Stages#all} shares: its id, the run config, and a config slice made of the seed, the
 * model and the stage's own sections ({@link #addSlice}).
 */
abstract class ConfiguredStage<O extends Record> implements Stage<O> {
    protected final RunConfig config;
    private final StageId id;

    ConfiguredStage(StageId id, RunConfig config) {
        this.id = id;
        this.config = config;
    }

    @Override
    public final StageId id() {
        return id;
    }

    @Override
    public final Object configSlice() {
        Map<String, Object> m = Stages.baseSlice(config);
        addSlice(m);
        return m;
    }

    /** Adds the config sections this stage reads to its slice (after "seed" and "model"). */
    abstract void addSlice(Map<String, Object> slice);
}
