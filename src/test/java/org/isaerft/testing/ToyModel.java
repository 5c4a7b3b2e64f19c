package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.ModelConfig;

/**
 * A stand-in model with closed-form activations, to test the CLI plumbing independently of the
 * real families. Vocabulary 'a'..'j' (ids 0..9), d_model 3, two layers:
 * hook_embed = [id, 2 id, pos]; each block: resid_mid = resid_pre + 1, resid_post = 2 resid_mid;
 * ln_final = resid; logits[v] = -(v - next)^2 with next = ((x0 - 6) / 4 + 1) mod 10, where x0 is
 * ln_final's first component (= 4 id + 6 unless a hook changed it), so greedy decoding counts up.
 */
public final class ToyModel extends TestLm {
    public static final int VOCAB = 10;
    public static final ModelConfig CONFIG = new ModelConfig("isaerft-toy", 3, 2, 1, 1, 3, 3, VOCAB, 16, 1e-5, "none");
    /** Number of forward passes run. */
    public int forwardCalls;

    public ToyModel(NDManager parent) {
        super(parent, CONFIG, letters(), points());
    }

    private static TestTokenizer letters() {
        return TestTokenizer.of(VOCAB, TestTokenizer.perChar(c -> {
            if (c < 'a' || c > 'j') {
                throw new IllegalArgumentException("toy vocabulary is a..j, found '" + (char) c + "'");
            }
            return c - 'a';
        }), id -> String.valueOf((char) ('a' + id)));
    }

    private static List<HookPoint> points() {
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
}
