package org.isaerft.run.layout;

import java.util.List;

/** The pipeline's stages in execution order; each reads the outputs of the ones it lists. */
public enum StageId {
    SAES("saes"),
    ADAPTERS("adapters", SAES),
    MINE("mine", SAES),
    EXPLAIN("explain", MINE, ADAPTERS),
    SCORE("score", MINE, EXPLAIN),
    VALIDATE("validate", ADAPTERS, EXPLAIN),
    /** Optional: runs only when the config has a {@code recovery:} section. */
    RECOVERY("recovery", SAES),
    REPORT("report", SAES, ADAPTERS, MINE, EXPLAIN, SCORE, VALIDATE, RECOVERY);

    private final String id;
    private final List<StageId> inputs;

    StageId(String id, StageId... inputs) {
        this.id = id;
        this.inputs = List.of(inputs);
    }

    /** Folder and CLI name ({@code --force explain}). */
    public String id() {
        return id;
    }

    /** Stages whose outputs this one reads. */
    public List<StageId> inputs() {
        return inputs;
    }

    /** Parses a stage name, listing the valid ones when it is unknown. */
    public static StageId parse(String name) {
        for (StageId s : values()) {
            if (s.id.equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + name + "'; stages: saes, adapters, mine, explain, score, validate, recovery, report");
    }
}
