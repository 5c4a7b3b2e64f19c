package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-latent steering: c' = c + b, b init 0. */
public final class BiasAdapter implements Adapter {
    private final NDManager manager;
    private final int dSae;
    private final NDArray b; // [dSae]

    public BiasAdapter(NDManager parent, int dSae) {
        this(parent, dSae, new float[dSae]);
    }

    public BiasAdapter(NDManager parent, int dSae, float[] b) {
        if (dSae <= 0) {
            throw new IllegalArgumentException("bias adapter: d_sae must be positive, found " + dSae);
        }
        this.manager = parent.newSubManager();
        this.dSae = dSae;
        this.b = Params.owned(manager, b, new Shape(dSae));
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.BIAS;
    }

    @Override
    public int dSae() {
        return dSae;
    }

    @Override
    public NDArray apply(NDArray c) {
        Params.checkLatents("bias", dSae, c);
        return c.add(b);                         // [..., dSae]
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("b", b);
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
