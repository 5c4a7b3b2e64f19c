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

    @Override
    void close();
}
