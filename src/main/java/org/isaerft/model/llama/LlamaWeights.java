package org.isaerft.model.llama;

import java.util.List;

/**
 * A Llama model's parameters in host memory, float32, every matrix row-major in (out, in) form so
 * that {@code y = W x} (the layout of both llama2.c and HF checkpoints).
 *
 * @param config     shapes
 * @param embed      token embedding [vocab, d_model]
 * @param layers     one entry per block
 * @param finalNorm  final RMSNorm weight [d_model]
 * @param lmHead     unembedding [vocab, d_model], or null when tied to {@code embed}
 */
public record LlamaWeights(LlamaConfig config, float[] embed, List<Layer> layers, float[] finalNorm, float[] lmHead) {
    public LlamaWeights {
        int d = config.dModel();
        check("embed", embed, (long) config.vocabSize() * d);
        check("final_norm", finalNorm, d);
        if (config.tiedEmbeddings() != (lmHead == null)) {
            throw new IllegalArgumentException("lm_head must be absent exactly when the embeddings are tied (tied="
                    + config.tiedEmbeddings() + ", lm_head " + (lmHead == null ? "absent" : "present") + ")");
        }
        if (lmHead != null) {
            check("lm_head", lmHead, (long) config.vocabSize() * d);
        }
        if (layers.size() != config.nLayers()) {
            throw new IllegalArgumentException("expected " + config.nLayers() + " layers, found " + layers.size());
        }
        long q = (long) config.nHeads() * config.dHead();
        long kv = (long) config.nKvHeads() * config.dHead();
        for (int l = 0; l < layers.size(); l++) {
            Layer y = layers.get(l);
            String p = "layers." + l + ".";
            check(p + "attn_norm", y.attnNorm(), d);
            check(p + "wq", y.wq(), q * d);
            check(p + "wk", y.wk(), kv * d);
            check(p + "wv", y.wv(), kv * d);
            check(p + "wo", y.wo(), d * q);
            check(p + "ffn_norm", y.ffnNorm(), d);
            check(p + "w1", y.w1(), (long) config.dMlp() * d);
            check(p + "w2", y.w2(), (long) d * config.dMlp());
            check(p + "w3", y.w3(), (long) config.dMlp() * d);
        }
        layers = List.copyOf(layers);
    }

    /**
     * One block: RMSNorm weights, attention projections wq [n_heads*d_head, d_model],
     * wk/wv [n_kv_heads*d_head, d_model], wo [d_model, n_heads*d_head]; SwiGLU w1 (gate) and
     * w3 (up) [d_mlp, d_model], w2 (down) [d_model, d_mlp].
     */
    public record Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] ffnNorm, float[] w1,
            float[] w2, float[] w3) {}

    private static void check(String name, float[] a, long expected) {
        if (a == null) {
            throw new IllegalArgumentException("weight " + name + " is missing");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException("weight " + name + " has " + a.length + " elements, expected " + expected);
        }
    }
}
