package org.isaerft.run;

import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;

/**
 * One step of the {@link Pipeline}: what it reads from the config (its share of the input hash) and
 * what it does. A stage writes its files under {@link RunLayout} and returns a typed record of what it
 * produced, stored in its {@code _SUCCESS} marker by {@link RunCodec}; it throws
 * {@link StageFailure} when it produced nothing it must produce, so success is never marked then.
 *
 * @param <O> the stage's output record
 */
public interface Stage<O extends Record> {
    StageId id();

    /** The part of the run config this stage depends on (hashed, with the input hashes of the stages it reads). */
    Object configSlice();

    /** Runs (or, when its folder holds a partial earlier attempt with the same inputs, resumes) the stage. */
    O run(StageContext ctx);

    /** Thrown by a stage whose outputs are missing or empty; the message names what is missing and why. */
    final class StageFailure extends RuntimeException {
        public StageFailure(StageId stage, String message) {
            super(stage.id() + ": " + message);
        }
    }
}
