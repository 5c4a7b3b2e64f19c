package org.isaerft.adapter;

import java.util.List;
import java.util.Map;

/**
 * {@code metadata.json} of a trained adapter: what was trained on what, how, and how it went.
 *
 * @param schemaVersion   1
 * @param type            "isaerft.adapter"
 * @param component       scale | bias | ffnn
 * @param architecture    component options (ffnn: hidden, act)
 * @param hook            hook point the adapter acts at
 * @param sae             SAE id, spec, d_in, d_sae, activation
 * @param model           model spec and type
 * @param task            task card name, file, description, expected concepts, dataset stats
 * @param hyperparameters lr, steps, batch, seq, l1, kl_weight, kl_text, optimizer
 * @param seed            seed of init and batch order
 * @param trainableParams number of trained scalars
 * @param baseTaskLoss    held-out next-token loss, base model
 * @param adaptedTaskLoss held-out next-token loss, adapted model
 * @param trainTokens     tokens in the training windows
 * @param lossCurve       per step: task loss, total loss, gradient norm
 * @param device          engine device used
 * @param seconds         wall time
 * @param versions        library versions and git commit
 * @param createdAt       ISO-8601 UTC
 */
public record AdapterMetadata(
        int schemaVersion,
        String type,
        String component,
        Map<String, Object> architecture,
        String hook,
        Map<String, Object> sae,
        Map<String, Object> model,
        Map<String, Object> task,
        Map<String, Object> hyperparameters,
        long seed,
        long trainableParams,
        double baseTaskLoss,
        double adaptedTaskLoss,
        long trainTokens,
        List<AdapterTrainer.LossPoint> lossCurve,
        String device,
        double seconds,
        Map<String, String> versions,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "isaerft.adapter";
}
