package org.isaerft.adapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Per-latent change made by a trained adapter: the parameter change, and the measured mean
 * change of each latent's activation on held-out task text between the base model (c) and the
 * adapted model (c'), over non-BOS tokens. Latents are sorted by {@code rank_by}
 * (mean |c'−c|, descending; ties by index) — the numbers a validation step ranks latents by.
 *
 * @param schemaVersion 1
 * @param task          task card name
 * @param component     scale | bias | ffnn
 * @param sae           SAE id
 * @param hook          hook point name
 * @param rankBy        the field latents are sorted by ("mean_abs_delta")
 * @param heldoutTokens tokens the activation changes were averaged over
 * @param latents       one entry per latent, sorted
 */
public record ChangeSummary(
        int schemaVersion,
        String task,
        String component,
        String sae,
        String hook,
        String rankBy,
        long heldoutTokens,
        List<LatentChange> latents) {
    public static final int SCHEMA_VERSION = 1;
    public static final String RANK_BY = "mean_abs_delta";

    public ChangeSummary {
        latents = List.copyOf(latents);
    }

    /**
     * @param latent       latent index in the SAE
     * @param paramChange  s_i (scale) or b_i (bias); for the FFNN ‖W2[i,:]‖ + |b2_i| (the size of the edits it can receive)
     * @param w1ColNorm    FFNN: ‖W1[:, i]‖ after training (how much the questions read latent i)
     * @param w1ColChange  FFNN: ‖W1[:, i] − W1₀[:, i]‖ (change from the random initialisation)
     * @param w2RowNorm    FFNN: ‖W2[i, :]‖ (how much the edits write latent i)
     * @param b2           FFNN: b2_i
     * @param meanDelta    mean over held-out tokens of c'_i − c_i
     * @param meanAbsDelta mean over held-out tokens of |c'_i − c_i|
     * @param meanBase     mean of c_i (base model)
     * @param freqBase     fraction of held-out tokens with c_i &gt; 0 (base model)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LatentChange(
            int latent,
            double paramChange,
            Double w1ColNorm,
            Double w1ColChange,
            Double w2RowNorm,
            Double b2,
            double meanDelta,
            double meanAbsDelta,
            double meanBase,
            double freqBase) {}

    /** The first {@code k} entries (the most changed). */
    public List<LatentChange> top(int k) {
        return latents.subList(0, Math.min(k, latents.size()));
    }
}
