package org.isaerft.explain.adapter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.activations.LatentId;

/**
 * A per-latent adapter as a plain vector: {@code scale} (latent i becomes {@code (1+s_i)·c_i}) or
 * {@code bias} (latent i becomes {@code c_i + b_i}). Callers may pass any per-latent effect instead
 * (e.g. {@code s_i} times the latent's mean activation); positive raises, negative lowers.
 *
 * @param values [d_sae]
 */
public record VectorWeights(String adapterId, Kind kind, String latentSource, float[] values, Map<LatentId, String> descriptions) {
    /** The adapter kind. */
    public enum Kind {
        SCALE, BIAS;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public VectorWeights {
        if (adapterId == null || adapterId.isBlank() || kind == null || latentSource == null || latentSource.isBlank()) {
            throw new IllegalArgumentException("vector adapter needs an adapter id, a kind and a latent source");
        }
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("vector adapter " + adapterId + ": values must be a non-empty [d_sae] vector");
        }
        descriptions = Map.copyOf(descriptions == null ? Map.of() : descriptions);
    }

    /** The k latents with the largest positive values, largest first. */
    public List<WeightedLatent> raised(int k) {
        return pick(k, 1);
    }

    /** The k latents with the most negative values, most negative first. */
    public List<WeightedLatent> lowered(int k) {
        return pick(k, -1);
    }

    private List<WeightedLatent> pick(int k, int sign) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] * sign > 0) {
                idx.add(i);
            }
        }
        idx.sort(Comparator.comparingDouble((Integer i) -> -sign * values[i]).thenComparingInt(i -> i));
        List<WeightedLatent> out = new ArrayList<>();
        for (int i : idx.subList(0, Math.min(k, idx.size()))) {
            LatentId id = new LatentId(latentSource, i);
            out.add(new WeightedLatent(id, values[i], descriptions.get(id)));
        }
        return out;
    }
}
