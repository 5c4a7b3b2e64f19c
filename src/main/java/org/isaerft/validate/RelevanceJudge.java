package org.isaerft.validate;

import java.util.List;
import java.util.Map;

/**
 * Judges how relevant one latent (or adapter direction) description is to a task's expectation,
 * on a 0–1 scale. Each judge documents its rule and two thresholds: at or above
 * {@link #onTaskThreshold()} a description counts as matching the task (precision@k), below
 * {@link #offTaskThreshold()} as not matching it (the data audit's "off-task" flag).
 */
public interface RelevanceJudge {
    /** e.g. {@code embedding:all-MiniLM-L6-v2} or {@code llm:openai/gpt-4o-mini}. */
    String name();

    double onTaskThreshold();

    double offTaskThreshold();

    Judgement judge(String description, TaskExpectation task);

    /** The outcome for one description: a relevance or a typed failure (never a sentinel value). */
    sealed interface Judgement permits Relevant, Failed {}

    /**
     * @param relevance in [0, 1]
     * @param parts     the judge's components (e.g. cosine to the description and to each concept)
     */
    record Relevant(double relevance, Map<String, Double> parts) implements Judgement {
        public Relevant {
            if (!Double.isFinite(relevance)) {
                throw new IllegalArgumentException("relevance must be finite, found " + relevance);
            }
            parts = Map.copyOf(parts == null ? Map.of() : parts);
        }
    }

    /**
     * No relevance: the judge's answers could not be parsed or the call failed.
     *
     * @param reason  UNPARSEABLE or LLM_ERROR
     * @param answers the rejected raw answers, for inspection only
     */
    record Failed(Reason reason, String message, List<String> answers) implements Judgement {
        public Failed {
            answers = List.copyOf(answers == null ? List.of() : answers);
        }
    }

    enum Reason { UNPARSEABLE, LLM_ERROR }
}
