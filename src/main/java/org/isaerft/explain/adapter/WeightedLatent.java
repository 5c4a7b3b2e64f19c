package org.isaerft.explain.adapter;

import org.isaerft.activations.LatentId;

/**
 * One SAE latent with a signed weight and its description (null when none is known).
 *
 * @param weight a W1 entry (what an FFNN unit reads), a W2 entry (what it writes), or a scale/bias value
 */
public record WeightedLatent(LatentId latent, double weight, String description) {
    public WeightedLatent {
        if (latent == null) {
            throw new IllegalArgumentException("weighted latent needs a latent id");
        }
    }

    /** The description, or a marker naming the latent when it has none. */
    public String label() {
        return description != null && !description.isBlank() ? description : "latent " + latent + " (no description)";
    }
}
