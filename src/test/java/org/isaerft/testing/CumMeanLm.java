package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.ModelConfig;

/**
 * A small deterministic causal "LM" for testing the miner without a real model family:
 * resid_pre = E[tok] + cumulative mean of E[tok] (so activations depend on context), one residual
 * block x + tanh(x), a parameter-free LayerNorm and a tied unembedding. A host copy of E lets tests
 * compute expectations in plain Java ({@link #unembedHost}). Tokens: char code mod 20, token 3
 * displays as "&lt;b&gt;&amp;" (to exercise escaping), every other id k as " tk".
 */
public final class CumMeanLm extends TestLm {
    public static final int V = 20;
    public static final int D = 8;
    /** Width of {@link #sae}. */
    public static final int D_SAE = 16;
    public final float[] embHost; // [V, D]
    private final NDArray emb;    // [V, D]

    public CumMeanLm(NDManager parent, long seed) {
        super(parent, new ModelConfig("fake", D, 1, 1, 1, D, D, V, 64, 1e-5, "relu"),
                TestTokenizer.of(V, TestTokenizer.perChar(c -> c % V), id -> id == 3 ? "<b>&" : " t" + id),
                List.of(HookPoint.residPre(0), HookPoint.residPost(0), HookPoint.lnFinal()));
        embHost = TestWeights.gauss(new SplittableRandom(seed), V * D, 1.0, 0);
        emb = TestWeights.owned(manager, embHost, new Shape(V, D));
    }

    /**
     * A ReLU SAE on blocks.0.hook_resid_pre (b_dec = 0) with seeded weights; its last latent has
     * b_enc = -1000 and never fires.
     */
    public static TestSae sae(NDManager parent, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] wEnc = TestWeights.gauss(r, D * D_SAE, 0.6, 0);
        float[] bEnc = TestWeights.gauss(r, D_SAE, 0.3, 0);
        bEnc[D_SAE - 1] = -1000f;
        float[] wDec = TestWeights.gauss(r, D_SAE * D, 0.4, 0);
        return new TestSae(parent, HookPoint.residPre(0), wEnc, bEnc, wDec, new float[D]);
    }

    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        long t = tokens.getShape().get(1);
        NDArray x = tokens.toType(DataType.INT64, false).oneHot(V).toType(DataType.FLOAT32, false).matMul(emb); // [B, T, D]
        NDArray pos = tokens.getManager().arange(1f, t + 1f).reshape(1, t, 1);                                 // [1, T, 1]
        NDArray resid = x.add(x.cumSum(1).div(pos));                                                         // [B, T, D]
        resid = hook(hooks, HookPoint.residPre(0), resid);
        if (hooks.stopsAt(HookPoint.residPre(0))) {
            return null;
        }
        NDArray post = resid.add(resid.tanh());                                                              // [B, T, D]
        post = hook(hooks, HookPoint.residPost(0), post);
        if (hooks.stopsAt(HookPoint.residPost(0))) {
            return null;
        }
        NDArray mean = post.mean(new int[] {-1}, true);                                                      // [B, T, 1]
        NDArray c = post.sub(mean);                                                                          // [B, T, D]
        NDArray ln = c.div(c.mul(c).mean(new int[] {-1}, true).add(1e-5).sqrt());                            // [B, T, D]
        ln = hook(hooks, HookPoint.lnFinal(), ln);
        return ln.matMul(emb.transpose());                                                                   // [B, T, V]
    }

    /** ln_final(v) @ Eᵀ in plain Java. */
    public float[] unembedHost(float[] v) {
        double m = 0;
        for (float a : v) {
            m += a;
        }
        m /= v.length;
        double var = 0;
        for (float a : v) {
            var += (a - m) * (a - m);
        }
        var /= v.length;
        float[] out = new float[V];
        for (int k = 0; k < V; k++) {
            double s = 0;
            for (int i = 0; i < D; i++) {
                s += (v[i] - m) / Math.sqrt(var + 1e-5) * embHost[k * D + i];
            }
            out[k] = (float) s;
        }
        return out;
    }
}
