package org.isaerft.model.llama;

import org.isaerft.model.ModelConfig;

/**
 * Hyper-parameters of a Llama-architecture model.
 *
 * @param dModel         residual width (HF {@code hidden_size}, llama2.c {@code dim})
 * @param nLayers        number of blocks
 * @param nHeads         query heads
 * @param nKvHeads       key/value heads (grouped-query attention when fewer than {@code nHeads})
 * @param dHead          width of one head
 * @param dMlp           SwiGLU hidden width (HF {@code intermediate_size}, llama2.c {@code hidden_dim})
 * @param vocabSize      tokens
 * @param contextLength  longest sequence (HF {@code max_position_embeddings}, llama2.c {@code seq_len})
 * @param normEps        RMSNorm epsilon
 * @param ropeTheta      RoPE base
 * @param ropeStyle      which dimensions RoPE pairs up
 * @param tiedEmbeddings whether the unembedding is the token embedding
 */
public record LlamaConfig(
        int dModel,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int dHead,
        int dMlp,
        int vocabSize,
        int contextLength,
        double normEps,
        double ropeTheta,
        RopeStyle ropeStyle,
        boolean tiedEmbeddings) {
    public LlamaConfig {
        if (dModel <= 0 || nLayers <= 0 || nHeads <= 0 || nKvHeads <= 0 || dHead <= 0 || dMlp <= 0 || vocabSize <= 0
                || contextLength <= 0) {
            throw new IllegalArgumentException("llama dimensions must be positive: d_model=" + dModel + " n_layers=" + nLayers
                    + " n_heads=" + nHeads + " n_kv_heads=" + nKvHeads + " d_head=" + dHead + " d_mlp=" + dMlp
                    + " vocab=" + vocabSize + " n_ctx=" + contextLength);
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("n_heads (" + nHeads + ") must be a multiple of n_kv_heads (" + nKvHeads + ")");
        }
        if (dHead % 2 != 0) {
            throw new IllegalArgumentException("d_head must be even for RoPE, found " + dHead);
        }
        if (!(normEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive, found " + normEps + " and " + ropeTheta);
        }
        if (ropeStyle == null) {
            throw new IllegalArgumentException("rope style is required");
        }
    }

    /** The same model with RoPE applied in {@code style} (the weights must have been permuted to match). */
    public LlamaConfig withRopeStyle(RopeStyle style) {
        return new LlamaConfig(dModel, nLayers, nHeads, nKvHeads, dHead, dMlp, vocabSize, contextLength, normEps, ropeTheta,
                style, tiedEmbeddings);
    }

    public ModelConfig toModelConfig() {
        return new ModelConfig("llama", dModel, nLayers, nHeads, nKvHeads, dHead, dMlp, vocabSize, contextLength, normEps, "silu");
    }
}
