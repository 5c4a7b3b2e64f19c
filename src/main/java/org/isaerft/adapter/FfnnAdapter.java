package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A residual one-hidden-layer network on the latents:
 * {@code c' = c + W2 · act(W1 · c + b1) + b2}, with a real nonlinearity (ReLU or GELU).
 *
 * <p>Shapes follow torch's {@code nn.Linear} ([out, in]): W1 [hidden, dSae] — row j is "question"
 * j about the latents; b1 [hidden]; W2 [dSae, hidden] — column j is the edit applied in
 * proportion to the answer to question j; b2 [dSae]. W1 and b1 start as torch's default Linear
 * initialisation, U(−1/√dSae, 1/√dSae), drawn from a seeded {@link SplittableRandom}; W2 and b2
 * start at zero, so the adapter is the exact identity at initialisation.
 */
public final class FfnnAdapter implements Adapter {
    /** Hidden nonlinearity. */
    public enum Act {
        RELU,
        /** The erf form of GELU. */
        GELU;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Act parse(String s) {
            if (s != null) {
                for (Act a : values()) {
                    if (a.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                        return a;
                    }
                }
            }
            throw new IllegalArgumentException("unknown ffnn activation '" + s + "' (expected relu or gelu)");
        }

        NDArray apply(NDArray x) {
            return this == RELU ? Activation.relu(x) : Activation.gelu(x);
        }
    }

    private final NDManager manager;
    private final int dSae;
    private final int hidden;
    private final Act act;
    private final NDArray w1; // [hidden, dSae]
    private final NDArray b1; // [hidden]
    private final NDArray w2; // [dSae, hidden]
    private final NDArray b2; // [dSae]

    /** A freshly initialised adapter (identity): W1, b1 seeded uniform, W2 = 0, b2 = 0. */
    public static FfnnAdapter init(NDManager parent, int dSae, int hidden, Act act, long seed) {
        if (dSae <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("ffnn adapter: d_sae and hidden must be positive, found d_sae=" + dSae
                    + " hidden=" + hidden);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double bound = 1.0 / Math.sqrt(dSae);
        float[] w1 = new float[hidden * dSae];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        float[] b1 = new float[hidden];
        for (int i = 0; i < b1.length; i++) {
            b1[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return new FfnnAdapter(parent, dSae, hidden, act, w1, b1, new float[dSae * hidden], new float[dSae]);
    }

    /** An adapter with the given parameters (row-major, shapes as in the class comment). */
    public FfnnAdapter(NDManager parent, int dSae, int hidden, Act act, float[] w1, float[] b1, float[] w2, float[] b2) {
        if (dSae <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("ffnn adapter: d_sae and hidden must be positive, found d_sae=" + dSae
                    + " hidden=" + hidden);
        }
        this.manager = parent.newSubManager();
        this.dSae = dSae;
        this.hidden = hidden;
        this.act = act;
        this.w1 = Params.owned(manager, w1, new Shape(hidden, dSae));
        this.b1 = Params.owned(manager, b1, new Shape(hidden));
        this.w2 = Params.owned(manager, w2, new Shape(dSae, hidden));
        this.b2 = Params.owned(manager, b2, new Shape(dSae));
    }

    public int hidden() {
        return hidden;
    }

    public Act activation() {
        return act;
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.FFNN;
    }

    @Override
    public int dSae() {
        return dSae;
    }

    @Override
    public NDArray apply(NDArray c) {
        Params.checkLatents("ffnn", dSae, c);
        NDArray pre = c.matMul(w1.transpose()).add(b1);      // [..., hidden]
        NDArray h = act.apply(pre);                           // [..., hidden]
        NDArray edit = h.matMul(w2.transpose()).add(b2);      // [..., dSae]
        return c.add(edit);                                   // [..., dSae]
    }

    /** The hidden activations ("answers to the questions") for latents c: [..., dSae] → [..., hidden]. */
    public NDArray hiddenActivations(NDArray c) {
        Params.checkLatents("ffnn", dSae, c);
        return act.apply(c.matMul(w1.transpose()).add(b1));   // [..., hidden]
    }

    @Override
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put("W1", w1);
        m.put("b1", b1);
        m.put("W2", w2);
        m.put("b2", b2);
        return m;
    }

    @Override
    public Map<String, Object> architecture() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden", hidden);
        m.put("act", act.id());
        return m;
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
