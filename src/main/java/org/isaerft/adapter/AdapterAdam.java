package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba) on engine arrays, updating parameters in place and zeroing their
 * gradients. Called outside any gradient collector and outside the step's {@link NDScope}
 * (its moment estimates live in its own manager). Not differentiated, so scalar overloads are safe here.
 */
final class AdapterAdam implements AutoCloseable {
    private final NDManager manager;
    private final double lr;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private int t;

    AdapterAdam(NDManager parent, Map<String, NDArray> params, double lr) {
        this.manager = parent.newSubManager();
        this.lr = lr;
        params.forEach((k, p) -> {
            m.put(k, manager.zeros(p.getShape(), p.getDataType()));
            v.put(k, manager.zeros(p.getShape(), p.getDataType()));
        });
    }

    /** One step over all parameters; returns the global gradient L2 norm (before the update). */
    double step(Map<String, NDArray> params) {
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        double sq = 0;
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();                                    // same shape as p
                sq += g.square().sum().getFloat();
                NDArray mk = m.get(e.getKey());
                NDArray vk = v.get(e.getKey());
                mk.muli(beta1).addi(g.mul(1 - beta1));
                vk.muli(beta2).addi(g.square().mul(1 - beta2));
                NDArray upd = mk.div(c1).div(vk.div(c2).sqrt().add(eps)).mul(lr);
                p.subi(upd);
                g.subi(g); // zero the accumulated gradient
            }
        }
        return Math.sqrt(sq);
    }

    @Override
    public void close() {
        manager.close();
    }
}
