package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Per-latent steering: c' = c + b, b init 0. */
public final class BiasAdapter extends PerLatentAdapter {
    public BiasAdapter(NDManager parent, int dSae) {
        this(parent, dSae, new float[Math.max(dSae, 0)]);
    }

    public BiasAdapter(NDManager parent, int dSae, float[] b) {
        super(parent, dSae, b, "b");
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.BIAS;
    }

    @Override
    protected NDArray edit(NDArray c) {
        return c.add(v);                         // [..., dSae]
    }
}
