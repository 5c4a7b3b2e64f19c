package org.isaerft.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.Tokenizer;

/** Logit lens of directions in residual space: which tokens each direction promotes and suppresses. */
public final class LogitLenses {
    private LogitLenses() {}

    public static final int DEFAULT_TOP = 10;

    /**
     * directions [n, dModel] → per direction the {@code top} highest and lowest logits of
     * {@link LanguageModel#unembed} (final norm + unembedding), highest/lowest first. Works in
     * chunks of {@code chunk} directions so memory stays at chunk × vocab floats.
     */
    public static LogitLens[] compute(LanguageModel model, NDArray directions, int top, int chunk) {
        long n = directions.getShape().get(0);
        Tokenizer tok = model.tokenizer();
        LogitLens[] out = new LogitLens[Math.toIntExact(n)];
        for (long c0 = 0; c0 < n; c0 += chunk) {
            long c1 = Math.min(n, c0 + chunk);
            try (NDScope scope = new NDScope()) {
                NDArray logits = model.unembed(directions.get(c0 + ":" + c1));        // [c, V]
                int v = Math.toIntExact(logits.getShape().get(1));
                float[] host = logits.toFloatArray();
                for (int i = 0; i < c1 - c0; i++) {
                    out[Math.toIntExact(c0 + i)] = lens(host, i * v, v, top, tok);
                }
            }
        }
        return out;
    }

    /** Top and bottom {@code top} entries of row {@code values[from, from+v)} (ties by smaller token id). */
    static LogitLens lens(float[] values, int from, int v, int top, Tokenizer tok) {
        int k = Math.min(top, v);
        int[] hi = select(values, from, v, k, true);
        int[] lo = select(values, from, v, k, false);
        List<LogitLens.TokenValue> t = new ArrayList<>();
        List<LogitLens.TokenValue> b = new ArrayList<>();
        for (int id : hi) {
            t.add(new LogitLens.TokenValue(id, tok.tokenString(id), values[from + id]));
        }
        for (int id : lo) {
            b.add(new LogitLens.TokenValue(id, tok.tokenString(id), values[from + id]));
        }
        return new LogitLens(t, b);
    }

    /** Indices of the k largest (or smallest) values, best first: one pass with a sorted insertion buffer. */
    private static int[] select(float[] values, int from, int v, int k, boolean largest) {
        int[] idx = new int[k];
        int size = 0;
        for (int id = 0; id < v; id++) {
            float x = values[from + id];
            if (size == k && !better(x, values[from + idx[k - 1]], largest)) {
                continue;
            }
            int pos = size < k ? size++ : k - 1;
            while (pos > 0 && better(x, values[from + idx[pos - 1]], largest)) {
                idx[pos] = idx[pos - 1];
                pos--;
            }
            idx[pos] = id;
        }
        return idx;
    }

    private static boolean better(float x, float y, boolean largest) {
        return largest ? x > y : x < y;
    }
}
