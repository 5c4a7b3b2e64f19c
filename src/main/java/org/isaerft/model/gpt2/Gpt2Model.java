package org.isaerft.model.gpt2;

import static org.isaerft.model.ForwardPass.at;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.isaerft.model.ForwardPass;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;

/**
 * GPT-2 (Hugging Face {@code GPT2Model}/{@code GPT2LMHeadModel} layout) with TransformerLens hook
 * points, computed with the DJL PyTorch engine.
 *
 * <p>Weights are read from {@code model.safetensors}, with or without the {@code transformer.}
 * prefix. The four Conv1D weights per block are stored {@code [in, out]} and applied as
 * {@code y = x @ W + b}. The unembedding is tied to {@code wte} unless the config says
 * {@code tie_word_embeddings: false}, in which case {@code lm_head.weight} [vocab, d_model] is
 * used. The {@code attn.bias}/{@code attn.masked_bias} buffers of older checkpoints are ignored;
 * any other unexpected tensor is an error. Every tensor's shape is checked on load.
 *
 * <p>Weights never require gradients; gradients flow only through hook replacements. Hook
 * activations are the raw TransformerLens values with {@code fold_ln=False,
 * center_writing_weights=False} ({@code from_pretrained_no_processing}); {@code hook_embed} here
 * is the sum {@code wte[tok] + wpe[pos]} (equal to {@code blocks.0.hook_resid_pre} before hooks).
 *
 * <p>The forward pass keeps no state between calls. {@link #load(Path, NDManager, DataType)} with
 * FLOAT64 gives a double-precision copy for numerical checks; {@link #random} builds a
 * seeded, randomly initialised model of any GPT-2 shape (benchmarks).
 *
 * <p>Over 400 lines because loading (name mapping, shape checks), random initialisation and the
 * annotated forward pass of one family read best together; what the families share (token rule,
 * hook calls, early stop) is in {@link org.isaerft.model.ForwardPass}.
 */
public final class Gpt2Model implements LanguageModel {
    private static final String WEIGHTS_FILE = "model.safetensors";

    private final String source;
    private final Gpt2Config cfg;
    private final ModelConfig modelConfig;
    private final Tokenizer tokenizer;
    private final NDManager manager;
    private final Map<String, NDArray> weights;
    private final List<HookPoint> hookPoints;
    private final Set<HookPoint> hookPointSet;

    private final NDArray wte;        // [V, C]
    private final NDArray wpe;        // [P, C]
    private final Block[] blocks;
    private final NDArray lnFinalW;   // [C]
    private final NDArray lnFinalB;   // [C]
    private final NDArray unembed;    // [C, V] (a transposed view of wte, or of lm_head.weight)
    private final NDArray causalMask; // [P, P]: 0 where key <= query, -inf where key > query

    // Constants as engine-owned scalars (never mul(Number): see notes/java-stack.md pitfall 1).
    private final NDArray attnScale;  // 1/sqrt(d_head)
    private final NDArray geluScale;  // 2·sqrt(2/pi)
    private final NDArray geluCubic;  // 2·sqrt(2/pi)·0.044715

    /**
     * One transformer block's weights (HF names in the comments). The four Conv1D weights are
     * held as [out, in] transposed views of the stored [in, out] tensors, the layout of the
     * engine's linear (y = x·Wᵀ + b in one GEMM).
     */
    private record Block(
            NDArray ln1W,      // h.L.ln_1.weight          [C]
            NDArray ln1B,      // h.L.ln_1.bias            [C]
            NDArray qkvWt,     // h.L.attn.c_attn.weight ᵀ [3C, C]
            NDArray qkvB,      // h.L.attn.c_attn.bias     [3C]
            NDArray attnOutWt, // h.L.attn.c_proj.weight ᵀ [C, C]
            NDArray attnOutB,  // h.L.attn.c_proj.bias     [C]
            NDArray ln2W,      // h.L.ln_2.weight          [C]
            NDArray ln2B,      // h.L.ln_2.bias            [C]
            NDArray fcWt,      // h.L.mlp.c_fc.weight ᵀ    [M, C]
            NDArray fcB,       // h.L.mlp.c_fc.bias        [M]
            NDArray mlpOutWt,  // h.L.mlp.c_proj.weight ᵀ  [C, M]
            NDArray mlpOutB) { // h.L.mlp.c_proj.bias      [C]
    }

    private Gpt2Model(String source, Gpt2Config cfg, Tokenizer tokenizer, NDManager parent, DataType dtype,
            Map<String, HostTensor> host) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT64) {
            throw new IllegalArgumentException("GPT-2 runs in FLOAT32 or FLOAT64, not " + dtype);
        }
        this.source = source;
        this.cfg = cfg;
        this.modelConfig = cfg.toModelConfig();
        this.tokenizer = tokenizer;
        this.manager = parent.newSubManager();
        this.manager.setName("gpt2:" + source);
        try {
            Map<String, NDArray> w = new LinkedHashMap<>();
            host.forEach((name, t) -> w.put(name, upload(t, dtype)));
            this.weights = Collections.unmodifiableMap(w);
            wte = w.get("wte.weight");
            wpe = w.get("wpe.weight");
            blocks = new Block[cfg.nLayer()];
            for (int l = 0; l < cfg.nLayer(); l++) {
                String p = "h." + l + ".";
                blocks[l] = new Block(w.get(p + "ln_1.weight"), w.get(p + "ln_1.bias"),
                        keep(w.get(p + "attn.c_attn.weight").transpose()), w.get(p + "attn.c_attn.bias"),
                        keep(w.get(p + "attn.c_proj.weight").transpose()), w.get(p + "attn.c_proj.bias"),
                        w.get(p + "ln_2.weight"), w.get(p + "ln_2.bias"),
                        keep(w.get(p + "mlp.c_fc.weight").transpose()), w.get(p + "mlp.c_fc.bias"),
                        keep(w.get(p + "mlp.c_proj.weight").transpose()), w.get(p + "mlp.c_proj.bias"));
            }
            lnFinalW = w.get("ln_f.weight");
            lnFinalB = w.get("ln_f.bias");
            unembed = keep(cfg.tieWordEmbeddings() ? wte.transpose() : w.get("lm_head.weight").transpose());

            int p = cfg.nPositions();
            float[] mask = new float[p * p];
            for (int q = 0; q < p; q++) {
                for (int k = q + 1; k < p; k++) {
                    mask[q * p + k] = Float.NEGATIVE_INFINITY;
                }
            }
            causalMask = upload(HostTensor.f32(new long[] {p, p}, mask), dtype);
            attnScale = scalar(1.0 / Math.sqrt(cfg.dHead()), dtype);
            geluScale = scalar(2 * Math.sqrt(2.0 / Math.PI), dtype);
            geluCubic = scalar(2 * Math.sqrt(2.0 / Math.PI) * 0.044715, dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.hookPoints = HookPoint.all(cfg.nLayer());
        this.hookPointSet = Set.copyOf(hookPoints);
    }

    // ------------------------------------------------------------------------------------------
    // Loading

    /** Loads {@code dir} (config.json + model.safetensors [+ tokenizer.json]) in float32. */
    public static Gpt2Model load(Path dir, NDManager parent) {
        return load(dir, parent, DataType.FLOAT32);
    }

    /**
     * Loads {@code dir} with weights and activations in {@code dtype} (FLOAT32, or FLOAT64 for
     * numerical checks such as finite differences).
     */
    public static Gpt2Model load(Path dir, NDManager parent, DataType dtype) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("GPT-2 model directory not found: " + dir);
        }
        Gpt2Config cfg = Gpt2Config.read(dir.resolve("config.json"));
        Path file = dir.resolve(WEIGHTS_FILE);
        if (!Files.exists(file)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (found pytorch_model.bin: only the safetensors format is read; convert it or download model.safetensors)" : "";
            throw new TensorFormatException(file + ": file not found" + hint);
        }
        SafeTensors.File st = SafeTensors.read(file);
        Map<String, HostTensor> host = checkedTensors(st, cfg);
        Tokenizer tokenizer = Gpt2Tokenizers.forDirectory(dir, cfg);
        try {
            return new Gpt2Model(dir.toString(), cfg, tokenizer, parent, dtype, host);
        } catch (RuntimeException e) {
            if (tokenizer instanceof HfTokenizer hf) {
                hf.close();
            }
            throw e;
        }
    }

    /**
     * A GPT-2 with random weights of the given shape, initialised like GPT-2 (weights
     * N(0, 0.02), residual-output projections N(0, 0.02/sqrt(2·n_layer)), biases 0, LayerNorm
     * gains 1), drawn from {@code seed} (same seed → same weights). For benchmarks and tests.
     * Its tokenizer is GPT-2's BPE when the vocabulary is 50257, else an {@link IdTokenizer}.
     */
    public static Gpt2Model random(ModelConfig config, long seed, NDManager parent) {
        Gpt2Config cfg = Gpt2Config.from(config);
        SplittableRandom rng = new SplittableRandom(seed);
        double projStd = 0.02 / Math.sqrt(2.0 * cfg.nLayer());
        Map<String, HostTensor> host = new LinkedHashMap<>();
        for (var e : expectedShapes(cfg).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(HostTensor.numel(shape))];
            if (name.contains("ln_") && name.endsWith(".weight")) {
                Arrays.fill(v, 1f);
            } else if (name.endsWith(".weight")) {
                double std = name.endsWith("c_proj.weight") ? projStd : 0.02;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextGaussian() * std);
                }
            }
            host.put(name, HostTensor.f32(shape, v));
        }
        Tokenizer tok = cfg.vocabSize() == Gpt2Config.GPT2_VOCAB ? new Gpt2BpeTokenizer()
                : new IdTokenizer(cfg.vocabSize(), cfg.bosTokenId(), cfg.eosTokenId(), true);
        return new Gpt2Model("random(seed=" + seed + ")", cfg, tok, parent, DataType.FLOAT32, host);
    }

    /** Tensor names (HF GPT2Model, no prefix) and shapes a checkpoint of {@code cfg} must hold. */
    public static Map<String, long[]> expectedShapes(Gpt2Config cfg) {
        long c = cfg.nEmbd();
        long m = cfg.nInner();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("wte.weight", new long[] {cfg.vocabSize(), c});
        s.put("wpe.weight", new long[] {cfg.nPositions(), c});
        for (int l = 0; l < cfg.nLayer(); l++) {
            String p = "h." + l + ".";
            s.put(p + "ln_1.weight", new long[] {c});
            s.put(p + "ln_1.bias", new long[] {c});
            s.put(p + "attn.c_attn.weight", new long[] {c, 3 * c});
            s.put(p + "attn.c_attn.bias", new long[] {3 * c});
            s.put(p + "attn.c_proj.weight", new long[] {c, c});
            s.put(p + "attn.c_proj.bias", new long[] {c});
            s.put(p + "ln_2.weight", new long[] {c});
            s.put(p + "ln_2.bias", new long[] {c});
            s.put(p + "mlp.c_fc.weight", new long[] {c, m});
            s.put(p + "mlp.c_fc.bias", new long[] {m});
            s.put(p + "mlp.c_proj.weight", new long[] {m, c});
            s.put(p + "mlp.c_proj.bias", new long[] {c});
        }
        s.put("ln_f.weight", new long[] {c});
        s.put("ln_f.bias", new long[] {c});
        if (!cfg.tieWordEmbeddings()) {
            s.put("lm_head.weight", new long[] {cfg.vocabSize(), c});
        }
        return s;
    }

    /** Every expected tensor, shape-checked, under its unprefixed name; unexpected tensors are refused. */
    private static Map<String, HostTensor> checkedTensors(SafeTensors.File st, Gpt2Config cfg) {
        String prefix;
        if (st.has("transformer.wte.weight")) {
            prefix = "transformer.";
        } else if (st.has("wte.weight")) {
            prefix = "";
        } else {
            throw new TensorFormatException(st.path() + ": tensor 'wte.weight' (or 'transformer.wte.weight') is missing; "
                    + "file has " + st.tensors().size() + " tensors: " + st.tensors().keySet().stream().limit(8).toList());
        }
        Map<String, long[]> expected = expectedShapes(cfg);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (var e : expected.entrySet()) {
            String name = e.getKey();
            String stored = name.equals("lm_head.weight") ? name : prefix + name;
            HostTensor t = st.get(stored, e.getValue()); // throws naming file, tensor, expected and found shape
            if (!t.dtype().isFloating()) {
                throw new TensorFormatException(st.path() + ": tensor '" + stored + "' has dtype " + t.dtype()
                        + ", expected a floating type (F32, F16, BF16 or F64)");
            }
            out.put(name, t);
            used.add(stored);
        }
        for (String name : st.tensors().keySet()) {
            boolean buffer = name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
            if (!used.contains(name) && !buffer && !name.equals("lm_head.weight")) {
                throw new TensorFormatException(st.path() + ": unexpected tensor '" + name + "' for a GPT-2 with n_layer="
                        + cfg.nLayer() + " (expected names like '" + prefix + "h.0.attn.c_attn.weight')");
            }
        }
        return out;
    }

    /** An engine-owned copy of {@code t} in {@code dtype}, owned by this model's manager and outside any NDScope. */
    private NDArray upload(HostTensor t, DataType dtype) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray a = t.toNDArray(tmp);                        // float32 copy (F16/BF16/F64 converted in Java)
            NDArray w = a.getDataType() == dtype ? a : a.toType(dtype, true);
            w.attach(manager);
            return keep(w);
        }
    }

    private NDArray scalar(double v, DataType dtype) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray s = tmp.create(v).toType(dtype, true);       // [] engine-owned (not a view of JVM memory)
            s.attach(manager);
            return keep(s);
        }
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    // ------------------------------------------------------------------------------------------
    // Forward

    /**
     * tokens: integer [B, T] with ids in [0, vocab) and T ≤ n_positions → logits [B, T, V] in
     * the model's dtype; null when {@code hooks.stopAt()} is set. Intermediate arrays belong to
     * the tokens' manager (and to the current {@link NDScope}, if any).
     */
    @Override
    public NDArray forward(NDArray tokens, Hooks hooks) {
        ForwardPass.checkHooks(hooks, hookPointSet, "GPT-2", cfg.nLayer());
        NDArray ids = ForwardPass.tokenIds(tokens, 0, cfg.nPositions(), "n_positions", cfg.vocabSize()); // [B, T] int64 copy
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long c = cfg.nEmbd();
        long h = cfg.nHead();
        long dh = cfg.dHead();
        NDManager m = tokens.getManager();
        try {
            // Embeddings
            NDArray tokEmb = wte.get(m, new NDIndex("{}", ids));                   // [B, T, C]
            NDArray posEmb = wpe.get(m, new NDIndex("0:{}", t));                   // [T, C]
            NDArray x = at(hooks, HookPoint.embed(), tokEmb.add(posEmb));          // [B, T, C]
            NDArray mask = causalMask.get(m, new NDIndex("0:{}, 0:{}", t, t));     // [T, T]

            for (int l = 0; l < cfg.nLayer(); l++) {
                Block blk = blocks[l];
                x = at(hooks, HookPoint.residPre(l), x);                           // [B, T, C]

                // Attention
                NDArray ln1 = at(hooks, new HookPoint(l, HookPoint.LN1), layerNorm(x, blk.ln1W, blk.ln1B)); // [B, T, C]
                NDArray qkv = affine(ln1, blk.qkvWt, blk.qkvB);                    // [B, T, 3C]
                NDList parts = qkv.split(3, 2);                                   // 3 × [B, T, C]
                NDArray q = parts.get(0).reshape(b, t, h, dh).transpose(0, 2, 1, 3) // [B, H, T, Dh]
                        .mul(attnScale);                                          // [B, H, T, Dh]  scaled here, T·Dh not T·T values
                NDArray k = parts.get(1).reshape(b, t, h, dh).transpose(0, 2, 1, 3); // [B, H, T, Dh]
                NDArray v = parts.get(2).reshape(b, t, h, dh).transpose(0, 2, 1, 3); // [B, H, T, Dh]
                NDArray scores = q.matMul(k.transpose(0, 1, 3, 2))               // [B, H, Tq, Tk]
                        .addi(mask);                                              // [B, H, Tq, Tk], -inf above the diagonal (in place)
                NDArray pattern = at(hooks, new HookPoint(l, HookPoint.ATTN_PATTERN), scores.softmax(3)); // [B, H, Tq, Tk]
                NDArray z = pattern.matMul(v);                                    // [B, H, T, Dh]
                NDArray merged = z.transpose(0, 2, 1, 3).reshape(b, t, c);        // [B, T, C]
                NDArray attnOut = at(hooks, new HookPoint(l, HookPoint.ATTN_OUT),
                        affine(merged, blk.attnOutWt, blk.attnOutB));              // [B, T, C]
                x = at(hooks, HookPoint.residMid(l), x.add(attnOut));              // [B, T, C]

                // MLP
                NDArray ln2 = at(hooks, new HookPoint(l, HookPoint.LN2), layerNorm(x, blk.ln2W, blk.ln2B)); // [B, T, C]
                NDArray pre = at(hooks, new HookPoint(l, HookPoint.MLP_PRE), affine(ln2, blk.fcWt, blk.fcB)); // [B, T, M]
                NDArray post = at(hooks, new HookPoint(l, HookPoint.MLP_POST), geluNew(pre)); // [B, T, M]
                NDArray mlpOut = at(hooks, new HookPoint(l, HookPoint.MLP_OUT),
                        affine(post, blk.mlpOutWt, blk.mlpOutB));                  // [B, T, C]
                x = at(hooks, HookPoint.residPost(l), x.add(mlpOut));              // [B, T, C]
            }

            NDArray lnFinal = at(hooks, HookPoint.lnFinal(), layerNorm(x, lnFinalW, lnFinalB)); // [B, T, C]
            return lnFinal.matMul(unembed);                                       // [B, T, V]
        } catch (ForwardPass.Stop stop) {
            return null;
        }
    }

    /** Final LayerNorm then unembedding: residual [..., C] → logits [..., V] (the logit lens of a residual direction). */
    @Override
    public NDArray unembed(NDArray residual) {
        return layerNorm(residual, lnFinalW, lnFinalB).matMul(unembed);          // [..., V]
    }

    /**
     * x·Wᵀ + b with {@code wt} = Wᵀ [out, in] (a view of a Conv1D weight [in, out]): the engine's
     * linear, one GEMM with the bias added inside it. [..., in] → [..., out].
     */
    private static NDArray affine(NDArray x, NDArray wt, NDArray b) {
        return x.getNDArrayInternal().linear(x, wt, b).head();                  // [..., out]
    }

    /**
     * LayerNorm over the last axis (biased variance, eps inside the square root, then the affine
     * part) as the engine's fused kernel: one op instead of seven.
     */
    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        Shape last = new Shape(cfg.nEmbd());
        return x.getNDArrayInternal().layerNorm(x, last, weight, bias, (float) cfg.layerNormEpsilon()).head(); // [B, T, C]
    }

    /**
     * GPT-2's gelu_new, 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))), computed with the identity
     * 0.5·(1 + tanh(u)) = sigmoid(2u) as x·sigmoid(x·(2·sqrt(2/π) + 2·sqrt(2/π)·0.044715·x²)):
     * five ops on [B, T, M] instead of eight.
     */
    private NDArray geluNew(NDArray x) {
        NDArray u = x.square().mul(geluCubic).add(geluScale).mul(x);             // [B, T, M]  2u
        return x.mul(u.getNDArrayInternal().sigmoid());                           // [B, T, M]
    }

    // ------------------------------------------------------------------------------------------
    // Accessors

    @Override
    public ModelConfig config() {
        return modelConfig;
    }

    /** The GPT-2 specific configuration (tying, BOS/EOS ids, …). */
    public Gpt2Config gpt2Config() {
        return cfg;
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

    /**
     * The frozen weights by Hugging Face GPT2Model name without prefix ({@code wte.weight},
     * {@code h.0.attn.c_attn.weight} [in, out], …, {@code ln_f.bias}; {@code lm_head.weight} when
     * untied). Owned by the model: read them, do not close or modify them.
     */
    public Map<String, NDArray> weights() {
        return weights;
    }

    /** The unembedding W_U [d_model, vocab] (logits = ln_final(x) @ W_U; no bias). */
    public NDArray unembedding() {
        return unembed;
    }

    @Override
    public void close() {
        try {
            if (tokenizer instanceof AutoCloseable ac) {
                ac.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("closing the tokenizer failed: " + e.getMessage(), e);
        } finally {
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "Gpt2Model[" + source + ", d_model=" + cfg.nEmbd() + ", layers=" + cfg.nLayer() + ", heads=" + cfg.nHead()
                + ", vocab=" + cfg.vocabSize() + ", n_positions=" + cfg.nPositions() + "]";
    }
}
