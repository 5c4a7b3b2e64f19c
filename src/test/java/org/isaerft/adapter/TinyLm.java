package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;

/**
 * A test double LM over bytes (vocab 257, id 256 = BOS), with frozen seeded weights:
 * x = E[tok] (+ hook blocks.0.hook_resid_pre); x = x + tanh(x W) (+ hook blocks.0.hook_resid_post);
 * logits = x Eᵀ. Not causal across positions (each position sees only its own token), which is
 * all the adapter tests need: a differentiable path from the hook to the logits.
 */
final class TinyLm implements LanguageModel {
    static final int V = 257;
    final NDManager manager;
    final int d;
    final NDArray emb; // [V, d]
    final NDArray w;   // [d, d]

    TinyLm(NDManager parent, int d, long seed) {
        this.manager = parent.newSubManager();
        this.d = d;
        SplittableRandom r = new SplittableRandom(seed);
        emb = Params.owned(manager, TestSae.gauss(r, V * d, 1.0, 0), new Shape(V, d));
        w = Params.owned(manager, TestSae.gauss(r, d * d, 1.0 / Math.sqrt(d), 0), new Shape(d, d));
    }

    List<NDArray> weights() {
        return List.of(emb, w);
    }

    @Override
    public ModelConfig config() {
        return new ModelConfig("tiny-test", d, 1, 1, 1, d, d, V, 1024, 1e-5, "tanh");
    }

    @Override
    public Tokenizer tokenizer() {
        return new Tokenizer() {
            public int vocabSize() { return V; }
            public int[] encode(String text) {
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                int[] out = new int[b.length];
                for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
                return out;
            }
            public String decode(int[] ids) {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) if (id < 256) sb.append((char) id);
                return sb.toString();
            }
            public String tokenString(int id) { return id == 256 ? "<s>" : String.valueOf((char) id); }
            public OptionalInt bosId() { return OptionalInt.of(256); }
            public OptionalInt eosId() { return OptionalInt.empty(); }
            public boolean prependsBos() { return true; }
        };
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        return List.of(HookPoint.residPre(0), HookPoint.residPost(0));
    }

    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        NDArray x = tokens.oneHot(V).matMul(emb);                           // [B, T, d]
        x = hooks.apply(HookPoint.residPre(0), x);                          // [B, T, d]
        if (hooks.stopsAt(HookPoint.residPre(0))) return null;
        x = x.add(x.matMul(w).tanh());                                      // [B, T, d]
        x = hooks.apply(HookPoint.residPost(0), x);                         // [B, T, d]
        if (hooks.stopsAt(HookPoint.residPost(0))) return null;
        return x.matMul(emb.transpose());                                   // [B, T, V]
    }

    @Override
    public void close() {
        manager.close();
    }
}
