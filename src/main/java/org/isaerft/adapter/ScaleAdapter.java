package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-latent scaling: c' = (1 + s) ⊙ c, computed as c + c ⊙ s so s = 0 is the exact identity. */
public final class ScaleAdapter implements Adapter {
    private final NDManager manager;
    private final int dSae;
    private final NDArray s; // [dSae]

    /** A new adapter with s = 0. */
    public ScaleAdapter(NDManager parent, int dSae) {
        this(parent, dSae, new float[dSae]);
    }

    /** An adapter with the given s (length dSae). */
    public ScaleAdapter(NDManager parent, int dSae, float[] s) {
        if (dSae <= 0) {
            throw new IllegalArgumentException("scale adapter: d_sae must be positive, found " + dSae);
        }
        this.manager = parent.newSubManager();
        this.dSae = dSae;
        this.s = Params.owned(manager, s, new Shape(dSae));
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.SCALE;
    }

    @Override
    public int dSae() {
        return dSae;
    }

    @Override
    public NDArray apply(NDArray c) {
        Params.checkLatents("scale", dSae, c);
        return c.add(c.mul(s));                  // [..., dSae]
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("s", s);
        return m;
    }

    @Override
    public Map<String, Object> architecture() {
        return new LinkedHashMap<>();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
