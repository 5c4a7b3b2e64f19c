package org.isaerft.recovery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Residual-space steering. The <em>residual direction</em> of latent i is what one unit of its
 * activation writes into the raw activation at the SAE's hook:
 * {@code r_i = toRaw(decode(e_i)) − toRaw(decode(0))} (for SAEs whose decoder columns are unit-norm
 * and whose input space is the raw activation this is exactly W_dec[i]). Steering adds
 * {@code Σ_j S · max_act(j) · r_j} to the raw activation at every position — the same edit a bias
 * adapter with {@code b_j = S · max_act(j)} makes, so the planted change lies inside the hypothesis
 * class of the adapters we then try to recover it with. Additive steering (not clamping) is used
 * because it is defined by a residual-space vector alone: the same plant can be read by any SAE at
 * the hook (clamping would need the planting SAE's encoder at generation time).
 */
public final class Steering {
    private Steering() {}

    /** Residual directions r_i of {@code latents}, [latents.size()][dIn], in raw activation space. */
    public static float[][] residualDirections(SparseAutoencoder sae, NDManager parent, List<Integer> latents) {
        int d = sae.dSae();
        for (int i : latents) {
            if (i < 0 || i >= d) {
                throw new IllegalArgumentException("latent " + i + " is outside SAE '" + sae.id() + "' (d_sae " + d + ")");
            }
        }
        float[][] out = new float[latents.size()][];
        try (NDScope scope = new NDScope(); NDManager m = parent.newSubManager()) {
            float[] onehot = new float[(latents.size() + 1) * d];
            for (int k = 0; k < latents.size(); k++) {
                onehot[k * d + latents.get(k)] = 1f;
            }
            NDArray c = m.create(onehot, new Shape(latents.size() + 1, d)).duplicate();     // [k+1, d_sae], last row 0
            float[] raw = sae.toRaw(sae.decode(c)).toFloatArray();                          // [(k+1)·d_in]
            int dIn = sae.dIn();
            for (int k = 0; k < latents.size(); k++) {
                out[k] = new float[dIn];
                for (int j = 0; j < dIn; j++) {
                    out[k][j] = raw[k * dIn + j] - raw[latents.size() * dIn + j];
                }
            }
        }
        return out;
    }

    /**
     * All residual directions of an SAE, [dSae][dIn], {@code chunk} latents per decode: the one-hot batch is
     * [chunk + 1, d_sae] instead of [d_sae + 1, d_sae], so a wide SAE (tens of thousands of latents) fits in memory.
     * Equal to {@link #allResidualDirections(SparseAutoencoder, NDManager)} up to float rounding.
     */
    public static float[][] allResidualDirections(SparseAutoencoder sae, NDManager parent, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("residual directions: chunk must be >= 1, found " + chunk);
        }
        float[][] out = new float[sae.dSae()][];
        for (int start = 0; start < sae.dSae(); start += chunk) {
            List<Integer> ids = new java.util.ArrayList<>();
            for (int i = start; i < Math.min(sae.dSae(), start + chunk); i++) {
                ids.add(i);
            }
            float[][] part = residualDirections(sae, parent, ids);
            System.arraycopy(part, 0, out, start, part.length);
        }
        return out;
    }

    /** All residual directions of an SAE, [dSae][dIn]. */
    public static float[][] allResidualDirections(SparseAutoencoder sae, NDManager parent) {
        List<Integer> all = new java.util.ArrayList<>();
        for (int i = 0; i < sae.dSae(); i++) {
            all.add(i);
        }
        return residualDirections(sae, parent, all);
    }

    /** Σ_j coef_j · dir_j. */
    public static float[] combine(float[][] dirs, double[] coef) {
        if (dirs.length != coef.length || dirs.length == 0) {
            throw new IllegalArgumentException("steering: " + dirs.length + " directions but " + coef.length + " coefficients");
        }
        float[] v = new float[dirs[0].length];
        for (int k = 0; k < dirs.length; k++) {
            for (int j = 0; j < v.length; j++) {
                v[j] += (float) (coef[k] * dirs[k][j]);
            }
        }
        return v;
    }

    /** Hooks that add {@code vector} [dIn] to the activation at {@code point}, at every batch row and position. */
    public static Hooks addVector(HookPoint point, float[] vector) {
        float[] v = vector.clone();
        return Hooks.builder().add(point, (x, p) -> {
            long d = x.getShape().get(x.getShape().dimension() - 1);
            if (d != v.length) {
                throw new IllegalStateException("steering vector has " + v.length + " components but " + p + " has width " + d);
            }
            NDArray add = x.getManager().create(v).toType(DataType.FLOAT32, true);         // [d] engine-owned copy
            return x.add(add);                                                              // [..., d]
        }).build();
    }

    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    public static float[] unit(float[] v) {
        double n = norm(v);
        if (n == 0) {
            throw new IllegalArgumentException("cannot normalise a zero vector (a latent with a zero decoder direction)");
        }
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / n);
        }
        return u;
    }
}
