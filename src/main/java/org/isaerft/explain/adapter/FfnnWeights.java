package org.isaerft.explain.adapter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;

/**
 * An FFNN adapter on SAE latents, as plain arrays: {@code h = act(c·W1ᵀ + b1)}, {@code Δc = h·W2ᵀ}.
 * Hidden unit {@code u} reads the latents in row {@code w1[u]} (its question) and writes the
 * latents in column {@code w2[·][u]} (its edit).
 *
 * @param adapterId    the adapter's id; unit u is the virtual latent {@code <adapterId>/ffnn/<u>}
 * @param latentSource source of the SAE latent ids: index i is {@code new LatentId(latentSource, i)}
 * @param w1           [hidden][d_sae]
 * @param w2           [d_sae][hidden]
 * @param descriptions descriptions of SAE latents (any subset)
 * @param unitRecords  mined records of hidden units by unit index, for their contexts (any subset; may be empty)
 */
public record FfnnWeights(String adapterId, String latentSource, float[][] w1, float[][] w2, Map<LatentId, String> descriptions,
        Map<Integer, LatentRecord> unitRecords) {
    public FfnnWeights {
        if (adapterId == null || adapterId.isBlank() || latentSource == null || latentSource.isBlank()) {
            throw new IllegalArgumentException("ffnn adapter needs an adapter id and a latent source");
        }
        if (w1 == null || w1.length == 0 || w2 == null || w2.length == 0) {
            throw new IllegalArgumentException("ffnn adapter " + adapterId + ": W1 and W2 must be non-empty");
        }
        int dSae = w1[0].length;
        for (int u = 0; u < w1.length; u++) {
            if (w1[u].length != dSae) {
                throw new IllegalArgumentException("ffnn adapter " + adapterId + ": W1 must be [hidden, d_sae]; row " + u + " has "
                        + w1[u].length + " entries, expected " + dSae);
            }
        }
        if (w2.length != dSae) {
            throw new IllegalArgumentException("ffnn adapter " + adapterId + ": W2 must be [d_sae, hidden] = [" + dSae + ", " + w1.length
                    + "], found " + w2.length + " rows");
        }
        for (int i = 0; i < w2.length; i++) {
            if (w2[i].length != w1.length) {
                throw new IllegalArgumentException("ffnn adapter " + adapterId + ": W2 must be [d_sae, hidden] = [" + dSae + ", "
                        + w1.length + "]; row " + i + " has " + w2[i].length + " entries");
            }
        }
        descriptions = Map.copyOf(descriptions == null ? Map.of() : descriptions);
        unitRecords = Map.copyOf(unitRecords == null ? Map.of() : unitRecords);
    }

    public int hidden() {
        return w1.length;
    }

    public int dSae() {
        return w1[0].length;
    }

    /** The virtual latent of hidden unit {@code u}. */
    public LatentId unitId(int u) {
        return new LatentId(adapterId + "/ffnn", u);
    }

    private void checkUnit(int u) {
        if (u < 0 || u >= hidden()) {
            throw new IllegalArgumentException("ffnn adapter " + adapterId + " has " + hidden() + " hidden units; unit " + u + " does not exist");
        }
    }

    /** The k latents unit u reads most strongly (largest |W1[u,i]|), strongest first; zero weights are left out. */
    public List<WeightedLatent> reads(int u, int k) {
        checkUnit(u);
        return top(w1[u], k);
    }

    /** The k latents unit u writes most strongly (largest |W2[i,u]|), strongest first; zero weights are left out. */
    public List<WeightedLatent> writes(int u, int k) {
        checkUnit(u);
        float[] col = new float[dSae()];
        for (int i = 0; i < col.length; i++) {
            col[i] = w2[i][u];
        }
        return top(col, k);
    }

    private List<WeightedLatent> top(float[] w, int k) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0) {
                idx.add(i);
            }
        }
        idx.sort(Comparator.comparingDouble((Integer i) -> -Math.abs(w[i])).thenComparingInt(i -> i));
        List<WeightedLatent> out = new ArrayList<>();
        for (int i : idx.subList(0, Math.min(k, idx.size()))) {
            LatentId id = new LatentId(latentSource, i);
            out.add(new WeightedLatent(id, w[i], descriptions.get(id)));
        }
        return out;
    }
}
