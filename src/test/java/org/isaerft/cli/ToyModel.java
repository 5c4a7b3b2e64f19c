package org.isaerft.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;

/**
 * A stand-in model with closed-form activations, to test the CLI plumbing independently of the
 * real families. Vocabulary 'a'..'j' (ids 0..9), d_model 3, two layers:
 * hook_embed = [id, 2 id, pos]; each block: resid_mid = resid_pre + 1, resid_post = 2 resid_mid;
 * ln_final = resid; logits[v] = -(v - next)^2 with next = ((x0 - 6) / 4 + 1) mod 10, where x0 is
 * ln_final's first component (= 4 id + 6 unless a hook changed it), so greedy decoding counts up.
 */
final class ToyModel implements LanguageModel {
    static final int VOCAB = 10;
    static final ModelConfig CONFIG = new ModelConfig("isaerft-toy", 3, 2, 1, 1, 3, 3, VOCAB, 16, 1e-5, "none");
    private final NDManager manager;
    /** The last hook point the most recent forward pass reached. */
    HookPoint lastReached;
    int forwardCalls;

    ToyModel(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    @Override
    public ModelConfig config() {
        return CONFIG;
    }

    @Override
    public Tokenizer tokenizer() {
        return new Tokenizer() {
            @Override
            public int vocabSize() {
                return VOCAB;
            }

            @Override
            public int[] encode(String text) {
                return text.chars().map(c -> {
                    if (c < 'a' || c > 'j') {
                        throw new IllegalArgumentException("toy vocabulary is a..j, found '" + (char) c + "'");
                    }
                    return c - 'a';
                }).toArray();
            }

            @Override
            public String decode(int[] ids) {
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append((char) ('a' + id));
                }
                return sb.toString();
            }

            @Override
            public String tokenString(int id) {
                return String.valueOf((char) ('a' + id));
            }

            @Override
            public OptionalInt bosId() {
                return OptionalInt.empty();
            }

            @Override
            public OptionalInt eosId() {
                return OptionalInt.empty();
            }

            @Override
            public boolean prependsBos() {
                return false;
            }
        };
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        List<HookPoint> out = new ArrayList<>();
        out.add(HookPoint.embed());
        for (int l = 0; l < CONFIG.nLayers(); l++) {
            out.add(HookPoint.residPre(l));
            out.add(HookPoint.residMid(l));
            out.add(HookPoint.residPost(l));
        }
        out.add(HookPoint.lnFinal());
        return out;
    }

    private NDArray hook(Hooks hooks, HookPoint p, NDArray x) {
        lastReached = p;
        return hooks.apply(p, x);
    }

    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        forwardCalls++;
        int b = (int) tokens.getShape().get(0);
        int t = (int) tokens.getShape().get(1);
        int[] ids = tokens.toType(DataType.INT32, false).toIntArray();
        float[] e = new float[b * t * 3];
        for (int i = 0; i < b * t; i++) {
            e[3 * i] = ids[i];
            e[3 * i + 1] = 2 * ids[i];
            e[3 * i + 2] = i % t;
        }
        NDArray x = tokens.getManager().create(e, new Shape(b, t, 3));                  // [B, T, 3]
        x = hook(hooks, HookPoint.embed(), x);
        if (hooks.stopsAt(HookPoint.embed())) {
            return null;
        }
        for (int l = 0; l < CONFIG.nLayers(); l++) {
            x = hook(hooks, HookPoint.residPre(l), x);
            if (hooks.stopsAt(HookPoint.residPre(l))) {
                return null;
            }
            x = hook(hooks, HookPoint.residMid(l), x.add(1f));                             // [B, T, 3]
            if (hooks.stopsAt(HookPoint.residMid(l))) {
                return null;
            }
            x = hook(hooks, HookPoint.residPost(l), x.add(x));                             // [B, T, 3]
            if (hooks.stopsAt(HookPoint.residPost(l))) {
                return null;
            }
        }
        x = hook(hooks, HookPoint.lnFinal(), x);
        if (hooks.stopsAt(HookPoint.lnFinal())) {
            return null;
        }
        float[] xs = x.toFloatArray();
        float[] logits = new float[b * t * VOCAB];
        for (int i = 0; i < b * t; i++) {
            int next = Math.floorMod(Math.round((xs[3 * i] - 6) / 4) + 1, VOCAB);
            for (int v = 0; v < VOCAB; v++) {
                logits[i * VOCAB + v] = -(float) ((v - next) * (v - next));
            }
        }
        return tokens.getManager().create(logits, new Shape(b, t, VOCAB));                // [B, T, V]
    }

    @Override
    public void close() {
        manager.close();
    }
}
