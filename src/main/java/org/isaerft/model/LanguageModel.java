package org.isaerft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A causal transformer LM with TransformerLens hook points. Weights are frozen (no gradient is
 * ever attached to them); gradients flow through hook replacements.
 *
 * <p>Memory: arrays made by a forward pass are registered with the current
 * {@link ai.djl.ndarray.NDScope}; call it inside one and unregister what you keep.
 */
public interface LanguageModel extends AutoCloseable {
    ModelConfig config();

    Tokenizer tokenizer();

    /** The manager that owns the weights; create inputs under it (or a sub-manager). */
    NDManager manager();

    /** Every hook point this model calls, in forward order. */
    List<HookPoint> hookPoints();

    /**
     * tokens: integer [batch, seq] → logits float32 [batch, seq, vocab]. Returns null if
     * {@code hooks.stopAt()} is set (the pass stops after that point's hooks).
     */
    NDArray forward(NDArray tokens, Hooks hooks);

    default NDArray forward(NDArray tokens) {
        return forward(tokens, Hooks.none());
    }

    /**
     * Per-position next-token cross-entropy: logits [batch, seq, vocab] and targets [batch, seq]
     * → float32 [batch, seq].
     */
    static NDArray tokenLoss(NDArray logits, NDArray targets) {
        NDArray logp = logits.logSoftmax(-1);                                   // [B, T, V]
        NDArray idx = targets.toType(ai.djl.ndarray.types.DataType.INT64, false).expandDims(-1); // [B, T, 1]
        return logp.gather(idx, -1).squeeze(-1).neg();                          // [B, T]
    }

    /** Next-token loss of each position predicting the one after it: tokens [B, T] → [B, T-1]. */
    default NDArray tokenLoss(NDArray tokens, Hooks hooks) {
        long t = tokens.getShape().get(1);
        NDArray logits = forward(tokens, hooks);                                 // [B, T, V]
        NDArray pred = logits.get(":, 0:" + (t - 1) + ", :");                   // [B, T-1, V]
        NDArray targets = tokens.get(":, 1:");                                  // [B, T-1]
        return tokenLoss(pred, targets);
    }

    /**
     * Continues {@code prompt}; returns only the new ids. The default recomputes the whole
     * sequence at each step (exact, simple); families may override with a KV cache.
     */
    default int[] generate(int[] prompt, GenerationConfig config, Hooks hooks) {
        return Generation.generate(this, prompt, config, hooks);
    }

    /**
     * Continues several prompts, row i with {@code configs.get(i)} (its own seed, length and
     * temperature); returns each row's new ids, the same as {@code generate(prompts[i], configs.get(i),
     * hooks)} would (up to float rounding where a family runs the rows as one batch). This default
     * generates the rows one after another; families may decode them together.
     */
    default int[][] generateBatch(int[][] prompts, List<GenerationConfig> configs, Hooks hooks) {
        Generation.checkBatch(prompts, configs);
        int[][] out = new int[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            out[i] = generate(prompts[i], configs.get(i), hooks);
        }
        return out;
    }

    /**
     * The rest of the model after the last block, applied to residual-stream vectors: final norm and
     * unembedding, residual [..., dModel] → logits [..., vocab] (used for the logit lens of latent
     * directions). This default runs a forward pass over dummy tokens whose
     * {@code blocks.{L-1}.hook_resid_post} is replaced by the given vectors, so only the per-position
     * final norm and unembedding act on them; it is exact for any family that calls that hook, but
     * spends a full forward pass — families may override it with the two operations directly.
     */
    default NDArray unembed(NDArray residual) {
        ModelConfig c = config();
        ai.djl.ndarray.types.Shape shape = residual.getShape();
        int nd = shape.dimension();
        if (nd < 1 || shape.get(nd - 1) != c.dModel()) {
            throw new IllegalArgumentException("unembed: expected residual vectors [..., " + c.dModel() + "], found " + shape);
        }
        HookPoint last = HookPoint.residPost(c.nLayers() - 1);
        if (!hookPoints().contains(last)) {
            throw new UnsupportedOperationException("unembed: " + c.modelType() + " does not call " + last
                    + "; the family must implement unembed itself");
        }
        long d = c.dModel();
        long rows = shape.size() / d;
        long ctx = Math.max(1, Math.min(rows, c.contextLength()));
        long batch = (rows + ctx - 1) / ctx;
        NDArray flat = residual.reshape(rows, d);                                          // [rows, d]
        if (batch * ctx > rows) {
            NDArray pad = flat.getManager().zeros(new ai.djl.ndarray.types.Shape(batch * ctx - rows, d), flat.getDataType());
            flat = flat.concat(pad, 0);                                                    // [batch*ctx, d]
        }
        NDArray x = flat.reshape(batch, ctx, d);                                           // [batch, ctx, d]
        NDArray tokens = flat.getManager().zeros(new ai.djl.ndarray.types.Shape(batch, ctx),
                ai.djl.ndarray.types.DataType.INT32);                                      // [batch, ctx]
        Hooks replace = Hooks.builder().add(last, (a, p) -> x).build();
        NDArray logits = forward(tokens, replace);                                         // [batch, ctx, V]
        long v = logits.getShape().get(2);
        long[] out = new long[nd];
        for (int i = 0; i < nd - 1; i++) {
            out[i] = shape.get(i);
        }
        out[nd - 1] = v;
        return logits.reshape(batch * ctx, v).get("0:" + rows).reshape(new ai.djl.ndarray.types.Shape(out)); // [..., V]
    }

    @Override
    void close();
}
