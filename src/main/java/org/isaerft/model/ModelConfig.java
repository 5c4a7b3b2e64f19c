package org.isaerft.model;

/**
 * Shape of a loaded model. {@code modelType} is the Hugging Face {@code model_type} ("gpt2",
 * "llama"); {@code nKvHeads == nHeads} without grouped-query attention.
 */
public record ModelConfig(
        String modelType,
        int dModel,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int dHead,
        int dMlp,
        int vocabSize,
        int contextLength,
        double normEps,
        String activation) {
    public ModelConfig {
        if (modelType == null || modelType.isBlank()) {
            throw new IllegalArgumentException("model_type is required");
        }
        if (dModel <= 0 || nLayers <= 0 || nHeads <= 0 || nKvHeads <= 0 || dHead <= 0 || dMlp <= 0 || vocabSize <= 0
                || contextLength <= 0) {
            throw new IllegalArgumentException("model dimensions must be positive: " + modelType + " d_model=" + dModel
                    + " n_layers=" + nLayers + " n_heads=" + nHeads + " n_kv_heads=" + nKvHeads + " d_head=" + dHead
                    + " d_mlp=" + dMlp + " vocab=" + vocabSize + " n_ctx=" + contextLength);
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("n_heads (" + nHeads + ") must be a multiple of n_kv_heads (" + nKvHeads + ")");
        }
    }

    /** Width of the activation at {@code point}. */
    public int width(HookPoint point) {
        return switch (point.site()) {
            case HookPoint.MLP_PRE, HookPoint.MLP_POST -> dMlp;
            case HookPoint.ATTN_PATTERN -> throw new IllegalArgumentException(point + " is [batch, head, query, key], not [batch, seq, d]");
            default -> dModel;
        };
    }
}
