package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Per-latent scaling: c' = (1 + s) ⊙ c, computed as c + c ⊙ s so s = 0 is the exact identity. */
public final class ScaleAdapter extends PerLatentAdapter {
    /** A new adapter with s = 0. */
    public ScaleAdapter(NDManager parent, int dSae) {
        this(parent, dSae, new float[Math.max(dSae, 0)]);
    }

    /** An adapter with the given s (length dSae). */
    public ScaleAdapter(NDManager parent, int dSae, float[] s) {
        super(parent, dSae, s, "s");
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.SCALE;
    }

    @Override
    protected NDArray edit(NDArray c) {
        return c.add(c.mul(v));                  // [..., dSae]
    }
}
