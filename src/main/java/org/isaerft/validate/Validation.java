package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.LatentId;

/**
 * The validation of one interpretation method against one adapter (task × method × SAE):
 * does relevance-to-the-task single out the latents the adapter changed? Written as
 * {@code validation.json}.
 *
 * @param task             task card name
 * @param method           the explanation method (e.g. {@code token-stats})
 * @param judge            the relevance judge ({@code embedding:all-MiniLM-L6-v2}, {@code llm:…})
 * @param sae              SAE id (from the change summary)
 * @param component        adapter component (scale | bias | ffnn)
 * @param adapter          the adapter directory's name
 * @param changeMeasure    the change-summary field latents are ranked by
 * @param expectation      the task expectation text the judge compared against
 * @param nLatents         latents with a description (the population of all statistics)
 * @param nUndescribed     latents in the change summary without a description (excluded)
 * @param nJudgeFailures   descriptions the judge could not rate (typed failures; excluded)
 * @param stats            the method's statistics
 * @param controls         shuffled-description and random-latent controls for the same adapter
 * @param audit            off-task changes (data audit)
 * @param latents          every latent's change, rank, relevance and description, by change rank
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Validation(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String task,
        String method,
        String judge,
        String sae,
        String component,
        String hook,
        String adapter,
        String changeMeasure,
        String expectation,
        int k,
        int nLatents,
        int nUndescribed,
        int nJudgeFailures,
        double onTaskThreshold,
        double offTaskThreshold,
        long seed,
        Stats stats,
        Controls controls,
        Audit audit,
        List<LatentRow> latents,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "validation";

    /** This validation without its {@code created_at} (a pipeline stage's output is a function of its inputs and seed). */
    public Validation withoutTimestamp() {
        return new Validation(schemaVersion, type, task, method, judge, sae, component, hook, adapter, changeMeasure, expectation, k, nLatents,
                nUndescribed, nJudgeFailures, onTaskThreshold, offTaskThreshold, seed, stats, controls, audit, latents, null);
    }

    public Validation {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected a validation with schema_version " + SCHEMA_VERSION + ", found " + type + " v"
                    + schemaVersion);
        }
        latents = latents == null ? List.of() : List.copyOf(latents);
    }

    /**
     * @param auroc             AUROC of relevance, top-k vs rest (null when undefined)
     * @param spearman          Spearman(|change|, relevance) (null when undefined, e.g. constant relevance)
     * @param precisionAtK      fraction of the top-k at or above the on-task threshold
     * @param baseRate          fraction of all latents at or above it (precision@k of a random k, in expectation)
     * @param pAuroc            one-sided permutation p-value of the AUROC
     * @param pSpearman         one-sided permutation p-value of ρ
     * @param nullMeanAuroc     mean AUROC under the permutations (≈ 0.5)
     * @param overlapAtK        the judge calibrated by rank, not by its absolute threshold: how many of the k most-changed
     *                          latents are also among the k most relevant of all described latents (ties in relevance broken by
     *                          a seeded shuffle); null in files written before it existed
     * @param overlapExpected   its expectation when relevance is unrelated to change: k²/n
     * @param pOverlap          one-sided hypergeometric p-value P(X ≥ overlap), X ~ Hypergeometric(n, k, k)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stats(Double auroc, RankStats.Interval aurocCi, Double spearman, RankStats.Interval spearmanCi, double precisionAtK,
            double baseRate, Double pAuroc, Double pSpearman, double nullMeanAuroc, int permutations, double meanRelevanceTop,
            double meanRelevanceRest, Integer overlapAtK, Double overlapExpected, Double pOverlap) {}

    /**
     * Top-k replaced by k latents drawn at random (without replacement), {@code draws} times.
     *
     * @param aurocMean    mean AUROC of the random sets (≈ 0.5)
     * @param aurocLow     2.5% quantile over draws
     * @param aurocHigh    97.5% quantile over draws
     * @param precisionMean mean precision@k of the random sets (≈ base rate)
     */
    public record RandomLatentControl(int draws, double aurocMean, double aurocLow, double aurocHigh, double precisionMean) {}

    /** @param shuffled the method's statistics after one seeded derangement of descriptions across latents */
    public record Controls(Stats shuffled, RandomLatentControl randomLatents) {}

    /**
     * @param auditK   how many of the most-changed latents are audited
     * @param flagged  the audited latents whose relevance is below the off-task threshold, by change rank
     * @param trigger  on a poisoned card with known trigger latents: whether they were flagged
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Audit(int auditK, int nFlagged, double flaggedFraction, List<Flag> flagged, TriggerCheck trigger) {
        public Audit {
            flagged = List.copyOf(flagged);
        }
    }

    /** One off-task change: a latent among the most changed whose description does not match the task. */
    public record Flag(LatentId latent, int changeRank, double change, double meanDelta, double relevance, String description,
            List<String> examples) {
        public Flag {
            examples = List.copyOf(examples == null ? List.of() : examples);
        }
    }

    /**
     * @param trigger          the planted phrase
     * @param triggerLatents   latents identified independently from model + SAE activations ({@link TriggerLatents})
     * @param changeRanks      each trigger latent's change rank (1 = most changed; null when undescribed)
     * @param relevance        each trigger latent's relevance (null when undescribed)
     * @param flagged          the trigger latents that the audit flagged
     * @param recall           flagged / trigger latents; null (undefined) when no trigger latent was found
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TriggerCheck(String trigger, List<Integer> triggerLatents, Map<String, Integer> changeRanks,
            Map<String, Double> relevance, List<Integer> flagged, Double recall) {}

    /** One latent of the population. */
    public record LatentRow(int latent, int rank, double change, double relevance, String description) {}
}
