package org.isaerft.model.llama;

import static org.isaerft.model.ForwardPass.at;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isaerft.model.ForwardPass;
import org.isaerft.model.Generation;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;
import org.isaerft.tensor.EngineArrays;

/**
 * A Llama-architecture causal LM on DJL NDArrays: RMSNorm, RoPE (interleaved as llama2.c or
 * rotate-half as HF, see {@link RopeStyle}), grouped-query attention with a causal mask, SwiGLU
 * MLP, tied or separate unembedding. Weights are frozen (never attached to a gradient); hook
 * replacements take part in autograd.
 *
 * <p>Shapes: B batch, T sequence, D d_model, H query heads, K kv heads, G = H/K queries per kv
 * head, E d_head, F d_mlp, V vocab.
 *
 * <p>Over 400 lines because the forward pass, RoPE and the key/value-cache generation it must agree
 * with read best together; what the families share (token rule, hook calls, early stop) is in
 * {@link org.isaerft.model.ForwardPass}.
 */
public final class LlamaModel implements LanguageModel {
    private final LlamaConfig cfg;
    private final ModelConfig modelConfig;
    private final Tokenizer tokenizer;
    private final NDManager manager;
    private final NDArray embed;       // [V, D]
    private final NDArray unembedT;    // [D, V] (a transposed view of the embedding when tied)
    private final NDArray finalNorm;   // [D]
    private final Block[] blocks;
    private final NDArray ropeCos;     // [ctx, E/2]
    private final NDArray ropeSin;     // [ctx, E/2]
    private final NDArray causalMask;  // [ctx, ctx], 0 on and below the diagonal, -inf above
    private final NDArray attnScale;   // [] 1/sqrt(E)
    private final List<HookPoint> hookPoints;
    private final java.util.Set<HookPoint> hookPointSet;
    private final Map<String, NDArray> weights;

    /** One block's weights, stored as (in, out) views so that {@code y = x.matMul(w)}. */
    private record Block(NDArray attnNorm, NDArray wq, NDArray wk, NDArray wv, NDArray wo, NDArray ffnNorm, NDArray w1,
            NDArray w3, NDArray w2) {}

    /** Past keys and values of each layer for incremental decoding: [1, K, T_past, E] each. */
    private static final class KvCache {
        final NDArray[] k;
        final NDArray[] v;
        int length;

        KvCache(int layers) {
            k = new NDArray[layers];
            v = new NDArray[layers];
        }
    }

    /** Moves {@code weights} into a child of {@code parent}. */
    public LlamaModel(LlamaWeights weights, Tokenizer tokenizer, NDManager parent) {
        this.cfg = weights.config();
        this.modelConfig = cfg.toModelConfig();
        this.tokenizer = tokenizer;
        if (tokenizer.vocabSize() > cfg.vocabSize()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocab_size is "
                    + cfg.vocabSize());
        }
        this.manager = parent.newSubManager();
        this.manager.setName("llama-weights");
        int d = cfg.dModel();
        int q = cfg.nHeads() * cfg.dHead();
        int kv = cfg.nKvHeads() * cfg.dHead();
        int f = cfg.dMlp();
        Map<String, NDArray> named = new LinkedHashMap<>();
        this.embed = owned(named, "model.embed_tokens.weight", weights.embed(), cfg.vocabSize(), d);
        this.blocks = new Block[cfg.nLayers()];
        for (int l = 0; l < blocks.length; l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            String p = "model.layers." + l + ".";
            blocks[l] = new Block(
                    owned(named, p + "input_layernorm.weight", w.attnNorm(), d),
                    owned(named, p + "self_attn.q_proj.weight", w.wq(), q, d).transpose(),
                    owned(named, p + "self_attn.k_proj.weight", w.wk(), kv, d).transpose(),
                    owned(named, p + "self_attn.v_proj.weight", w.wv(), kv, d).transpose(),
                    owned(named, p + "self_attn.o_proj.weight", w.wo(), d, q).transpose(),
                    owned(named, p + "post_attention_layernorm.weight", w.ffnNorm(), d),
                    owned(named, p + "mlp.gate_proj.weight", w.w1(), f, d).transpose(),
                    owned(named, p + "mlp.up_proj.weight", w.w3(), f, d).transpose(),
                    owned(named, p + "mlp.down_proj.weight", w.w2(), d, f).transpose());
        }
        this.finalNorm = owned(named, "model.norm.weight", weights.finalNorm(), d);
        NDArray head = weights.lmHead() == null ? embed : owned(named, "lm_head.weight", weights.lmHead(), cfg.vocabSize(), d);
        this.unembedT = head.transpose();
        this.weights = Collections.unmodifiableMap(named);
        int ctx = cfg.contextLength();
        int half = cfg.dHead() / 2;
        float[] cos = new float[ctx * half];
        float[] sin = new float[ctx * half];
        for (int pos = 0; pos < ctx; pos++) {
            for (int i = 0; i < half; i++) {
                // as llama2.c run.c: freq = 1 / theta^(2i/E) in float32, angle = pos * freq in float32
                float freq = (float) (1.0 / Math.pow(cfg.ropeTheta(), (2 * i) / (double) cfg.dHead()));
                float angle = pos * freq;
                cos[pos * half + i] = (float) Math.cos(angle);
                sin[pos * half + i] = (float) Math.sin(angle);
            }
        }
        this.ropeCos = owned(cos, ctx, half);
        this.ropeSin = owned(sin, ctx, half);
        float[] mask = new float[ctx * ctx];
        for (int i = 0; i < ctx; i++) {
            for (int j = i + 1; j < ctx; j++) {
                mask[i * ctx + j] = Float.NEGATIVE_INFINITY;
            }
        }
        this.causalMask = owned(mask, ctx, ctx);
        this.attnScale = manager.full(new Shape(), (float) (1.0 / Math.sqrt(cfg.dHead())), DataType.FLOAT32);
        this.hookPoints = HookPoint.all(cfg.nLayers());
        this.hookPointSet = java.util.Set.copyOf(hookPoints);
    }

    /** An engine-owned copy of host data (never a view of a JVM buffer). */
    private NDArray owned(float[] data, long... shape) {
        return EngineArrays.owned(manager, data, new Shape(shape));
    }

    private NDArray owned(Map<String, NDArray> named, String name, float[] data, long... shape) {
        NDArray a = owned(data, shape);
        a.setName(name);
        named.put(name, a);
        return a;
    }

    /**
     * The frozen weights by Hugging Face LlamaForCausalLM name ({@code model.embed_tokens.weight},
     * {@code model.layers.0.self_attn.q_proj.weight} [out, in], …, {@code model.norm.weight};
     * {@code lm_head.weight} only when untied, else the unembedding is the embedding). q/k rows
     * are in this model's {@link #ropeStyle()} order. Owned by the model: read, never close or modify.
     */
    public Map<String, NDArray> weights() {
        return weights;
    }

    public LlamaConfig llamaConfig() {
        return cfg;
    }

    /** Which RoPE convention this model applies (fixed by how its weights were stored). */
    public RopeStyle ropeStyle() {
        return cfg.ropeStyle();
    }

    @Override
    public ModelConfig config() {
        return modelConfig;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        return hookPoints;
    }

    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        try {
            return run(tokens, hooks, null);
        } catch (ForwardPass.Stop stop) {
            return null;
        }
    }

    /**
     * The forward pass. With a cache, {@code tokens} are the next positions after the cached ones;
     * their keys and values are appended to the cache.
     */
    private NDArray run(NDArray tokens, Hooks hooks, KvCache cache) {
        ForwardPass.checkHooks(hooks, hookPointSet, "Llama model", cfg.nLayers());
        NDArray ids = ForwardPass.tokenIds(tokens, cache == null ? 0 : cache.length, cfg.contextLength(), "max_position_embeddings / seq_len",
                cfg.vocabSize());                                                       // [B, T]  engine-owned int64 copy
        long[] bt = tokens.getShape().getShape();
        long b = bt[0];
        long t = bt[1];
        int past = cache == null ? 0 : cache.length;
        int h = cfg.nHeads();
        int k = cfg.nKvHeads();
        int g = h / k;
        int e = cfg.dHead();
        NDArray cos = perCall(ids, ropeCos.get(past + ":" + (past + t)));               // [T, E/2]
        NDArray sin = perCall(ids, ropeSin.get(past + ":" + (past + t)));               // [T, E/2]
        NDArray mask = perCall(ids, causalMask.get(past + ":" + (past + t) + ", 0:" + (past + t))); // [T, past+T]

        NDArray x = ids.getNDArrayInternal().embedding(ids, embed, SparseFormat.DENSE).head(); // [B, T, D]
        x = at(hooks, HookPoint.embed(), x);                                            // [B, T, D]

        for (int l = 0; l < blocks.length; l++) {
            Block w = blocks[l];
            x = at(hooks, new HookPoint(l, HookPoint.RESID_PRE), x);                    // [B, T, D]

            // attention
            NDArray n1 = at(hooks, new HookPoint(l, HookPoint.LN1), rmsNorm(x, w.attnNorm())); // [B, T, D]
            NDArray q = n1.matMul(w.wq()).reshape(b, t, h, e).transpose(0, 2, 1, 3);   // [B, H, T, E]
            NDArray kk = n1.matMul(w.wk()).reshape(b, t, k, e).transpose(0, 2, 1, 3);  // [B, K, T, E]
            NDArray v = n1.matMul(w.wv()).reshape(b, t, k, e).transpose(0, 2, 1, 3);   // [B, K, T, E]
            q = rope(q, cos, sin);                                                      // [B, H, T, E]
            kk = rope(kk, cos, sin);                                                    // [B, K, T, E]
            if (cache != null) {
                kk = cache.k[l] == null ? kk : cache.k[l].concat(kk, 2);                // [B, K, S, E]  S = past+T
                v = cache.v[l] == null ? v : cache.v[l].concat(v, 2);                   // [B, K, S, E]
                cache.k[l] = kk;
                cache.v[l] = v;
            }
            long s = kk.getShape().get(2);                                              // S: keys attended to
            NDArray qg = q.reshape(b, k, (long) g * t, e);                              // [B, K, G*T, E]  head = kv*G + g
            NDArray scores = qg.matMul(kk.transpose(0, 1, 3, 2))                        // [B, K, G*T, S]
                    .reshape(b, h, t, s)                                                // [B, H, T, S]
                    .mul(attnScale)                                                     // [B, H, T, S]
                    .add(mask);                                                         // [B, H, T, S]
            NDArray pattern = at(hooks, new HookPoint(l, HookPoint.ATTN_PATTERN), scores.softmax(-1)); // [B, H, T, S]
            NDArray z = pattern.reshape(b, k, (long) g * t, s).matMul(v)                // [B, K, G*T, E]
                    .reshape(b, h, t, e)                                                // [B, H, T, E]
                    .transpose(0, 2, 1, 3)                                              // [B, T, H, E]
                    .reshape(b, t, (long) h * e);                                       // [B, T, H*E]
            NDArray attnOut = at(hooks, new HookPoint(l, HookPoint.ATTN_OUT), z.matMul(w.wo())); // [B, T, D]
            x = at(hooks, new HookPoint(l, HookPoint.RESID_MID), x.add(attnOut));       // [B, T, D]

            // SwiGLU MLP
            NDArray n2 = at(hooks, new HookPoint(l, HookPoint.LN2), rmsNorm(x, w.ffnNorm())); // [B, T, D]
            NDArray gate = at(hooks, new HookPoint(l, HookPoint.MLP_PRE), n2.matMul(w.w1())); // [B, T, F]
            NDArray up = n2.matMul(w.w3());                                             // [B, T, F]
            NDArray act = at(hooks, new HookPoint(l, HookPoint.MLP_POST), silu(gate).mul(up)); // [B, T, F]
            NDArray mlpOut = at(hooks, new HookPoint(l, HookPoint.MLP_OUT), act.matMul(w.w2())); // [B, T, D]
            x = at(hooks, new HookPoint(l, HookPoint.RESID_POST), x.add(mlpOut));       // [B, T, D]
        }

        NDArray xf = at(hooks, HookPoint.lnFinal(), rmsNorm(x, finalNorm));            // [B, T, D]
        return xf.matMul(unembedT);                                                     // [B, T, V]
    }

    /** Final RMSNorm then unembedding: residual [..., D] → logits [..., V] (the logit lens of a residual direction). */
    @Override
    public NDArray unembed(NDArray residual) {
        return rmsNorm(residual, finalNorm).matMul(unembedT);                          // [..., V]
    }

    /** Moves a slice of a model table to the call's manager, so that it never accumulates in the weights' one. */
    private static NDArray perCall(NDArray callArray, NDArray slice) {
        slice.attach(callArray.getManager());
        return slice;
    }

    /** x / sqrt(mean(x²) + eps) * weight over the last axis: [..., D] → [..., D]. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray ms = x.square().mean(new int[] {-1}, true);                            // [..., 1]
        return x.div(ms.add(cfg.normEps()).sqrt()).mul(weight);                        // [..., D]
    }

    /** x·sigmoid(x), elementwise. */
    private static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /** Rotary position embedding of x [B, N, T, E] with tables [T, E/2]. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        Shape shape = x.getShape();
        long half = shape.get(3) / 2;
        if (cfg.ropeStyle() == RopeStyle.INTERLEAVED) {
            NDArray pairs = x.reshape(shape.get(0), shape.get(1), shape.get(2), half, 2); // [B, N, T, E/2, 2]
            NDArray x0 = pairs.get(":, :, :, :, 0");                                    // [B, N, T, E/2]
            NDArray x1 = pairs.get(":, :, :, :, 1");                                    // [B, N, T, E/2]
            NDArray r0 = x0.mul(cos).sub(x1.mul(sin));                                  // [B, N, T, E/2]
            NDArray r1 = x0.mul(sin).add(x1.mul(cos));                                  // [B, N, T, E/2]
            return r0.stack(r1, 4).reshape(shape);                                      // [B, N, T, E]
        }
        NDArray x1 = x.get(":, :, :, 0:" + half);                                      // [B, N, T, E/2]
        NDArray x2 = x.get(":, :, :, " + half + ":");                                  // [B, N, T, E/2]
        NDArray r1 = x1.mul(cos).sub(x2.mul(sin));                                      // [B, N, T, E/2]
        NDArray r2 = x2.mul(cos).add(x1.mul(sin));                                      // [B, N, T, E/2]
        return r1.concat(r2, 3);                                                        // [B, N, T, E]
    }

    /**
     * Generation with a key/value cache: the prompt is run once, then each new token alone against
     * the cached keys and values. Gives the same ids as {@link Generation#generate}; falls back to it
     * when hooks are set (they must see whole sequences) or the sequence would outgrow the context.
     */
    @Override
    public int[] generate(int[] prompt, GenerationConfig config, Hooks hooks) {
        if (hooked(hooks) || prompt.length == 0 || prompt.length + config.maxNewTokens() > cfg.contextLength()) {
            return Generation.generate(this, prompt, config, hooks);
        }
        return decodeCached(new int[][] {prompt}, List.of(config))[0];
    }

    /**
     * Batched generation with a key/value cache: all rows advance together, one [B, 1] forward per
     * new token, each row sampled with its own config and seed (a row that has stopped is fed a
     * dummy token whose output is ignored). Row i gets the ids {@link #generate} gives for it, up to
     * float rounding of the batched matmuls. Needs prompts of one length and no hooks; otherwise
     * the rows are generated one by one.
     */
    @Override
    public int[][] generateBatch(int[][] prompts, List<GenerationConfig> configs, Hooks hooks) {
        Generation.checkBatch(prompts, configs);
        if (prompts.length == 0) {
            return new int[0][];
        }
        int p = prompts[0].length;
        int maxNew = 0;
        boolean sameLength = true;
        for (int i = 0; i < prompts.length; i++) {
            sameLength &= prompts[i].length == p;
            maxNew = Math.max(maxNew, configs.get(i).maxNewTokens());
        }
        if (hooked(hooks) || !sameLength || p + maxNew > cfg.contextLength()) {
            return LanguageModel.super.generateBatch(prompts, configs, hooks);
        }
        return decodeCached(prompts, configs);
    }

    private static boolean hooked(Hooks hooks) {
        return !hooks.points().isEmpty() || hooks.stopAt().isPresent();
    }

    /** KV-cached decoding of B prompts of equal length P (P + every max_new_tokens within the context). */
    private int[][] decodeCached(int[][] prompts, List<GenerationConfig> configs) {
        int b = prompts.length;
        int vocab = cfg.vocabSize();
        var eos = tokenizer.eosId();
        SplittableRandom[] rng = new SplittableRandom[b];
        int[][] out = new int[b][];
        int[] n = new int[b];
        boolean[] done = new boolean[b];
        int running = 0;
        for (int i = 0; i < b; i++) {
            rng[i] = new SplittableRandom(configs.get(i).seed());
            out[i] = new int[configs.get(i).maxNewTokens()];
            done[i] = out[i].length == 0;
            running += done[i] ? 0 : 1;
        }
        int t = prompts[0].length;
        int[] step = new int[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(prompts[i], 0, step, i * t, t);
        }
        try (NDManager m = manager.newSubManager()) {
            KvCache cache = new KvCache(blocks.length);
            while (running > 0) {
                float[] last;                                                                   // [B*V]
                NDArray[] oldK = cache.k.clone();
                NDArray[] oldV = cache.v.clone();
                try (NDScope scope = new NDScope()) {
                    NDArray tokens = m.create(step, new Shape(b, t));                           // [B, T]
                    NDArray logits = run(tokens, Hooks.none(), cache);                          // [B, T, V]
                    last = logits.get(":, " + (t - 1) + ", :").toFloatArray();                  // [B, V] row-major
                    for (int l = 0; l < blocks.length; l++) {
                        NDScope.unregister(cache.k[l], cache.v[l]);
                    }
                }
                cache.length += t;
                for (int l = 0; l < blocks.length; l++) {
                    if (oldK[l] != null) { // replaced by their concatenation with this step's keys/values
                        oldK[l].close();
                        oldV[l].close();
                    }
                }
                int[] next = new int[b];
                for (int i = 0; i < b; i++) {
                    if (done[i]) {
                        next[i] = step[i * t + t - 1]; // any valid id: this row's output is no longer read
                        continue;
                    }
                    GenerationConfig c = configs.get(i);
                    float[] row = Arrays.copyOfRange(last, i * vocab, (i + 1) * vocab);        // [V]
                    int tok = c.temperature() == 0 ? Generation.argmax(row) : Generation.sample(row, c, rng[i]);
                    out[i][n[i]++] = tok;
                    next[i] = tok;
                    if (n[i] == out[i].length || (c.stopAtEos() && eos.isPresent() && tok == eos.getAsInt())) {
                        done[i] = true;
                        running--;
                    }
                }
                step = next;
                t = 1;
            }
        }
        int[][] result = new int[b][];
        for (int i = 0; i < b; i++) {
            result[i] = Arrays.copyOf(out[i], n[i]);
        }
        return result;
    }

    /** Frees the weights, and the tokenizer when it holds native resources (the model owns both). */
    @Override
    public void close() {
        manager.close();
        if (tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close the tokenizer: " + e.getMessage(), e);
            }
        }
    }
}
