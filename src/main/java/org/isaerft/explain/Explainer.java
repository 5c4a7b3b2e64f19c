package org.isaerft.explain;

import org.isaerft.activations.LatentRecord;

/**
 * One interpretation method: turns a mined latent into a description. Implementations look only at
 * the {@code explain} split of the record's examples (the {@code score} split is held out for scoring).
 * Thread-safe: a run explains latents concurrently.
 */
public interface Explainer {
    /** The method name recorded in every {@link Explanation} (e.g. {@code token-stats}, {@code llm:openai/gpt-4o-mini:oai}). */
    String method();

    /**
     * @return a success with the explanation, or a typed failure (never an empty or placeholder description)
     * @throws org.isaerft.llm.BudgetExceededException when the run's LLM budget is used up (the run stops)
     */
    ExplainResult explain(LatentRecord record);
}
