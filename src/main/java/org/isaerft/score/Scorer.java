package org.isaerft.score;

import java.util.List;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;

/**
 * Scores an explanation against a latent's held-out ({@link org.isaerft.activations.Example#SPLIT_SCORE})
 * examples. Passing another latent's explanation gives the shuffled baseline: the returned score
 * is marked {@code baseline: shuffled} automatically. Implementations never throw for a score that
 * cannot be computed; they return {@link Score#undefined} with a reason.
 */
public interface Scorer {
    /** {@code simulation}, {@code detection}, {@code fuzzing} or {@code embedding}. */
    String name();

    /** What the headline {@link Score#value()} is, e.g. {@code pearson_pooled}, {@code balanced_accuracy}. */
    String valueMetric();

    /** The model that judges ({@code provider/model} for LLM scorers), recorded in the run fingerprint and summary. */
    String model();

    /** Prompts the scorer may use (the run fingerprint includes their hashes). */
    default List<Score.PromptRef> prompts() {
        return List.of();
    }

    Score score(LatentRecord record, Explanation explanation);

    /** Scores reached by trivial strategies on these records (empty where no trivial strategy exists). */
    List<ScoreSummary.ChanceLevel> chanceLevels(List<LatentRecord> records);
}
