package org.isaerft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Greedy and seeded sampled decoding on top of {@link LanguageModel#forward}. */
public final class Generation {
    private Generation() {}

    public static int[] generate(LanguageModel model, int[] prompt, GenerationConfig cfg, Hooks hooks) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt must have at least one token");
        }
        int ctx = model.config().contextLength();
        SplittableRandom rng = new SplittableRandom(cfg.seed());
        int[] seq = Arrays.copyOf(prompt, prompt.length + cfg.maxNewTokens());
        int len = prompt.length;
        var eos = model.tokenizer().eosId();
        while (len < seq.length) {
            int start = Math.max(0, len - ctx);
            float[] last;
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                NDArray tokens = m.create(Arrays.copyOfRange(seq, start, len), new Shape(1, len - start)); // [1, T]
                NDArray logits = model.forward(tokens, hooks);                                            // [1, T, V]
                last = logits.get(0, len - start - 1).toFloatArray();                                       // [V]
            }
            int next = cfg.temperature() == 0 ? argmax(last) : sample(last, cfg, rng);
            seq[len++] = next;
            if (cfg.stopAtEos() && eos.isPresent() && next == eos.getAsInt()) {
                break;
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }

    /** Validates the arguments of {@link LanguageModel#generateBatch}: one config per prompt, no prompt empty. */
    public static void checkBatch(int[][] prompts, java.util.List<GenerationConfig> configs) {
        if (prompts.length != configs.size()) {
            throw new IllegalArgumentException("generateBatch: " + prompts.length + " prompts but " + configs.size()
                    + " generation configs (one per prompt expected)");
        }
        for (int i = 0; i < prompts.length; i++) {
            if (prompts[i] == null || prompts[i].length == 0) {
                throw new IllegalArgumentException("generateBatch: prompt " + i + " is empty; every prompt needs at least one token");
            }
        }
    }

    /** Index of the largest value (the first on ties). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** One draw from softmax(logits / temperature), top-k restricted; consumes one value of {@code rng}. */
    public static int sample(float[] logits, GenerationConfig cfg, SplittableRandom rng) {
        int n = logits.length;
        double[] p = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double cutoff = Double.NEGATIVE_INFINITY;
        if (cfg.topK() > 0 && cfg.topK() < n) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            cutoff = sorted[n - cfg.topK()];
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            p[i] = logits[i] < cutoff ? 0 : Math.exp((logits[i] - max) / cfg.temperature());
            z += p[i];
        }
        double u = rng.nextDouble() * z;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += p[i];
            if (u < acc) {
                return i;
            }
        }
        return argmax(logits);
    }
}
