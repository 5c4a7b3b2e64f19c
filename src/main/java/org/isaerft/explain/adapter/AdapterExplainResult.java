package org.isaerft.explain.adapter;

import java.util.List;
import org.isaerft.explain.ExplainResult;

/** The outcome of explaining an adapter direction: a value or a typed failure. */
public sealed interface AdapterExplainResult<T> permits AdapterExplainResult.Success, AdapterExplainResult.Failure {
    /** The explanation. */
    record Success<T>(T value) implements AdapterExplainResult<T> {
        public Success {
            if (value == null) {
                throw new IllegalArgumentException("success needs a value");
            }
        }
    }

    /**
     * No explanation.
     *
     * @param unit    the hidden unit, or -1 for a whole-adapter summary
     * @param answers raw unparseable LLM answers, kept for inspection only
     */
    record Failure<T>(String adapterId, int unit, ExplainResult.Reason reason, String message, List<String> answers)
            implements AdapterExplainResult<T> {
        public Failure {
            answers = List.copyOf(answers == null ? List.of() : answers);
        }
    }
}
