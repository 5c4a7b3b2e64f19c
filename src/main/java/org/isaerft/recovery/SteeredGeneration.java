package org.isaerft.recovery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.isaerft.model.Generation;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;

/**
 * Seeded sampling of many continuations of one prompt under hooks (e.g. {@link Steering}), in
 * batches. Row i is sampled with its own {@link SplittableRandom}(seed_i) and recomputes its whole
 * sequence every step (no KV cache: hooks must see whole sequences), so a row's tokens depend only
 * on the prompt, its seed and the hooks — not on the batch size or on the other rows (rows that hit
 * EOS keep being fed a dummy token whose output is never read; a causal model never lets later
 * positions change earlier ones).
 */
public final class SteeredGeneration {
    private SteeredGeneration() {}

    /**
     * @param prompt   prompt ids (BOS first for models that use one), at least one token
     * @param seeds    one seed per continuation
     * @param cfg      max new tokens, temperature, top-k and EOS behaviour (its seed is ignored)
     * @param batch    rows per forward pass
     * @return the new ids of each row (prompt excluded), EOS included when it ended the row
     */
    public static int[][] sample(LanguageModel model, int[] prompt, long[] seeds, GenerationConfig cfg, Hooks hooks, int batch) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("steered generation: the prompt must have at least one token");
        }
        if (batch <= 0) {
            throw new IllegalArgumentException("steered generation: batch must be positive, found " + batch);
        }
        int ctx = model.config().contextLength();
        if (prompt.length + cfg.maxNewTokens() > ctx) {
            throw new IllegalArgumentException("steered generation: prompt (" + prompt.length + ") + max_new_tokens ("
                    + cfg.maxNewTokens() + ") exceeds the model's context of " + ctx + " tokens");
        }
        int[][] out = new int[seeds.length][];
        for (int start = 0; start < seeds.length; start += batch) {
            long[] part = Arrays.copyOfRange(seeds, start, Math.min(seeds.length, start + batch));
            int[][] rows = sampleBatch(model, prompt, part, cfg, hooks);
            System.arraycopy(rows, 0, out, start, rows.length);
        }
        return out;
    }

    private static int[][] sampleBatch(LanguageModel model, int[] prompt, long[] seeds, GenerationConfig cfg, Hooks hooks) {
        int b = seeds.length;
        int p = prompt.length;
        int total = p + cfg.maxNewTokens();
        int vocab = model.config().vocabSize();
        var eos = model.tokenizer().eosId();
        SplittableRandom[] rng = new SplittableRandom[b];
        int[][] seq = new int[b][total];
        int[] n = new int[b];
        boolean[] done = new boolean[b];
        int running = cfg.maxNewTokens() == 0 ? 0 : b;
        for (int i = 0; i < b; i++) {
            rng[i] = new SplittableRandom(seeds[i]);
            System.arraycopy(prompt, 0, seq[i], 0, p);
        }
        int len = p;
        while (running > 0) {
            int[] flat = new int[b * len];
            for (int i = 0; i < b; i++) {
                System.arraycopy(seq[i], 0, flat, i * len, len);
            }
            float[] last;                                                                     // [B·V]
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                NDArray tokens = m.create(flat, new Shape(b, len)).duplicate();               // [B, T]
                NDArray logits = model.forward(tokens, hooks);                                // [B, T, V]
                last = logits.get(":, " + (len - 1) + ", :").toFloatArray();                  // [B, V]
            }
            for (int i = 0; i < b; i++) {
                if (done[i]) {
                    seq[i][len] = seq[i][len - 1];
                    continue;
                }
                float[] row = Arrays.copyOfRange(last, i * vocab, (i + 1) * vocab);          // [V]
                int tok = cfg.temperature() == 0 ? Generation.argmax(row) : Generation.sample(row, cfg, rng[i]);
                seq[i][len] = tok;
                n[i]++;
                if (n[i] == cfg.maxNewTokens() || (cfg.stopAtEos() && eos.isPresent() && tok == eos.getAsInt())) {
                    done[i] = true;
                    running--;
                }
            }
            len++;
        }
        int[][] out = new int[b][];
        for (int i = 0; i < b; i++) {
            out[i] = Arrays.copyOfRange(seq[i], p, p + n[i]);
        }
        return out;
    }
}
