package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.ModelConfig;

/**
 * A test LM over bytes (vocab 257, id 256 = BOS), with frozen seeded weights:
 * x = E[tok] (+ hook blocks.0.hook_resid_pre); x = x + tanh(x W) (+ hook blocks.0.hook_resid_post);
 * logits = x Eᵀ. Not causal across positions (each position sees only its own token), which is
 * all the adapter tests need: a differentiable path from the hook to the logits.
 */
public final class TinyLm extends TestLm {
    public static final int V = 257;
    public final NDArray emb; // [V, d]
    public final NDArray w;   // [d, d]

    public TinyLm(NDManager parent, int d, long seed) {
        this(parent, d, seed, 1.0);
    }

    /** As above with embeddings E ~ N(0, embStd²) (smaller: a flatter next-token distribution, for sampling tests). */
    public TinyLm(NDManager parent, int d, long seed, double embStd) {
        super(parent, new ModelConfig("tiny-test", d, 1, 1, 1, d, d, V, 1024, 1e-5, "tanh"), bytes(),
                List.of(HookPoint.residPre(0), HookPoint.residPost(0)));
        SplittableRandom r = new SplittableRandom(seed);
        emb = TestWeights.owned(manager, TestWeights.gauss(r, V * d, embStd, 0), new Shape(V, d));
        w = TestWeights.owned(manager, TestWeights.gauss(r, d * d, 1.0 / Math.sqrt(d), 0), new Shape(d, d));
    }

    /** UTF-8 bytes as ids 0..255, BOS 256 shown as "&lt;s&gt;" and prepended. */
    private static TestTokenizer bytes() {
        return TestTokenizer.of(V, text -> {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] out = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                out[i] = b[i] & 0xff;
            }
            return out;
        }, id -> id == 256 ? "<s>" : String.valueOf((char) id)).withBos(256, true);
    }

    /** The frozen weights E and W. */
    public List<NDArray> weights() {
        return List.of(emb, w);
    }

    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        NDArray x = tokens.oneHot(V).matMul(emb);                           // [B, T, d]
        x = hook(hooks, HookPoint.residPre(0), x);                          // [B, T, d]
        if (hooks.stopsAt(HookPoint.residPre(0))) return null;
        x = x.add(x.matMul(w).tanh());                                      // [B, T, d]
        x = hook(hooks, HookPoint.residPost(0), x);                         // [B, T, d]
        if (hooks.stopsAt(HookPoint.residPost(0))) return null;
        return x.matMul(emb.transpose());                                   // [B, T, V]
    }
}
