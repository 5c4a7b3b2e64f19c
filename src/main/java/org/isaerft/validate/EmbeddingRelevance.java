package org.isaerft.validate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.score.EmbeddingScorer;

/**
 * Offline relevance by sentence-embedding similarity (all-MiniLM-L6-v2 through the scoring
 * stream's {@link EmbeddingScorer}, whose embeddings are cached).
 *
 * <p>Rule: with d the description's embedding, t the task description's and c_j each expected
 * concept's, relevance = max(cos(d, t), max_j cos(d, c_j)), clipped to [0, 1]. The maximum
 * (not the mean) is used because a latent is on-task when it matches <em>any</em> expected
 * concept — a "barking" latent should not be diluted by its distance to "fetch". The mean concept
 * cosine is reported beside it. A control card with no concepts uses cos(d, t) alone.
 *
 * <p>Thresholds (calibrated on MiniLM, where unrelated short phrases score ≈ 0–0.15 and
 * paraphrases ≥ 0.5): on-task ≥ 0.40, off-task &lt; 0.20.
 */
public final class EmbeddingRelevance implements RelevanceJudge {
    public static final double ON_TASK = 0.40;
    public static final double OFF_TASK = 0.20;
    private final EmbeddingScorer embeddings;

    public EmbeddingRelevance() {
        this(new EmbeddingScorer());
    }

    public EmbeddingRelevance(EmbeddingScorer embeddings) {
        this.embeddings = embeddings;
    }

    @Override
    public String name() {
        return "embedding:" + embeddings.model();
    }

    @Override
    public double onTaskThreshold() {
        return ON_TASK;
    }

    @Override
    public double offTaskThreshold() {
        return OFF_TASK;
    }

    @Override
    public Judgement judge(String description, TaskExpectation task) {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("embedding relevance: empty description for task " + task.task());
        }
        float[] d = embeddings.embedding(description);
        Map<String, Double> parts = new LinkedHashMap<>();
        double toTask = EmbeddingScorer.cosine(d, embeddings.embedding(task.description()));
        parts.put("cos_description", toTask);
        double best = toTask;
        if (!task.concepts().isEmpty()) {
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (String c : task.concepts()) {
                double v = EmbeddingScorer.cosine(d, embeddings.embedding(c));
                max = Math.max(max, v);
                sum += v;
            }
            parts.put("cos_concept_max", max);
            parts.put("cos_concept_mean", sum / task.concepts().size());
            best = Math.max(best, max);
        }
        return new Relevant(Math.max(0, Math.min(1, best)), parts);
    }
}
