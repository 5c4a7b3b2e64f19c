package org.isaerft.recovery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.ModelConfig;
import org.isaerft.testing.TestLm;
import org.isaerft.testing.TestTokenizer;
import org.isaerft.testing.TestWeights;

/**
 * {@link org.isaerft.testing.TinyLm}'s architecture over the 16 letters a..p (ids 0..15, BOS 16), so
 * sampled text decodes and re-encodes to the same ids (bytes ≥ 128 would not): x = E[tok] (+ hook
 * blocks.0.hook_resid_pre); x = x + tanh(x W); logits = x Eᵀ. Each position sees only its own token.
 */
final class LetterLm extends TestLm {
    static final int V = 17;
    final NDArray emb; // [V, d]
    final NDArray w;   // [d, d]

    LetterLm(NDManager parent, int d, long seed, double embStd) {
        super(parent, new ModelConfig("letter-test", d, 1, 1, 1, d, d, V, 1024, 1e-5, "tanh"), letters(),
                List.of(HookPoint.residPre(0), HookPoint.residPost(0)));
        SplittableRandom r = new SplittableRandom(seed);
        emb = TestWeights.owned(manager, TestWeights.gauss(r, V * d, embStd, 0), new Shape(V, d));
        w = TestWeights.owned(manager, TestWeights.gauss(r, d * d, 1.0 / Math.sqrt(d), 0), new Shape(d, d));
    }

    private static TestTokenizer letters() {
        return TestTokenizer.of(V, TestTokenizer.perChar(c -> {
            if (c < 'a' || c > 'p') {
                throw new IllegalArgumentException("letter vocabulary is a..p, found '" + (char) c + "'");
            }
            return c - 'a';
        }), id -> id == 16 ? "" : String.valueOf((char) ('a' + id))).withBos(16, true);
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
