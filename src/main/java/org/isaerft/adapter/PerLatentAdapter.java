package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** An adapter with one trainable vector of length d_sae (the scale and bias components). */
abstract sealed class PerLatentAdapter implements Adapter permits ScaleAdapter, BiasAdapter {
    private final NDManager manager;
    private final int dSae;
    private final String paramName;
    protected final NDArray v; // [dSae]

    PerLatentAdapter(NDManager parent, int dSae, float[] init, String paramName) {
        if (dSae <= 0) {
            throw new IllegalArgumentException(kind().name().toLowerCase() + " adapter: d_sae must be positive, found " + dSae);
        }
        this.manager = parent.newSubManager();
        this.dSae = dSae;
        this.paramName = paramName;
        this.v = Params.owned(manager, init, new Shape(dSae));
    }

    /** c → c' using {@link #v}; c is checked to be [..., dSae]. */
    protected abstract NDArray edit(NDArray c);

    @Override
    public final NDArray apply(NDArray c) {
        Params.checkLatents(kind().name().toLowerCase(), dSae, c);
        return edit(c);                          // [..., dSae]
    }

    @Override
    public final int dSae() {
        return dSae;
    }

    @Override
    public final Map<String, NDArray> parameters() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put(paramName, v);
        return m;
    }

    @Override
    public final Map<String, Object> architecture() {
        return new LinkedHashMap<>();
    }

    @Override
    public final NDManager manager() {
        return manager;
    }

    @Override
    public final void close() {
        manager.close();
    }
}
