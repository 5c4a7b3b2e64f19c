package org.isaerft.model.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.isaerft.model.ModelConfig;

/**
 * The fields of a Hugging Face GPT-2 {@code config.json} that the forward pass depends on.
 *
 * <p>Only the architecture HF's {@code GPT2Model} computes by default is supported: the
 * {@code gelu_new} (tanh) MLP activation, attention scaled by 1/sqrt(d_head), no per-layer
 * inverse scaling and no cross-attention. Any other setting is refused with an error naming the
 * file and field rather than silently computing something else.
 *
 * @param nEmbd            d_model ({@code n_embd})
 * @param nLayer           number of blocks ({@code n_layer})
 * @param nHead            attention heads ({@code n_head}); must divide n_embd
 * @param nInner           MLP width ({@code n_inner}; null in the file means 4·n_embd)
 * @param nPositions       context length ({@code n_positions}, else {@code n_ctx})
 * @param vocabSize        rows of {@code wte} ({@code vocab_size})
 * @param layerNormEpsilon added to the biased variance inside the square root
 * @param tieWordEmbeddings logits use {@code wte}; otherwise {@code lm_head.weight}
 * @param bosTokenId       {@code bos_token_id} (HF default 50256)
 * @param eosTokenId       {@code eos_token_id} (HF default 50256)
 */
public record Gpt2Config(
        int nEmbd,
        int nLayer,
        int nHead,
        int nInner,
        int nPositions,
        int vocabSize,
        double layerNormEpsilon,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int eosTokenId) {
    public static final String MODEL_TYPE = "gpt2";
    public static final String ACTIVATION = "gelu_new";
    /** GPT-2's BPE vocabulary size; {@code <|endoftext|>} is id 50256. */
    public static final int GPT2_VOCAB = 50257;
    public static final int END_OF_TEXT = 50256;

    public Gpt2Config {
        if (nEmbd <= 0 || nLayer <= 0 || nHead <= 0 || nInner <= 0 || nPositions <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("GPT-2 dimensions must be positive: n_embd=" + nEmbd + " n_layer=" + nLayer
                    + " n_head=" + nHead + " n_inner=" + nInner + " n_positions=" + nPositions + " vocab_size=" + vocabSize);
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd (" + nEmbd + ") must be a multiple of n_head (" + nHead + ")");
        }
        if (!(layerNormEpsilon > 0) || Double.isInfinite(layerNormEpsilon)) {
            throw new IllegalArgumentException("layer_norm_epsilon must be a positive number, found " + layerNormEpsilon);
        }
    }

    public int dHead() {
        return nEmbd / nHead;
    }

    /** The family-independent view used by the rest of isaerft. */
    public ModelConfig toModelConfig() {
        return new ModelConfig(MODEL_TYPE, nEmbd, nLayer, nHead, nHead, dHead(), nInner, vocabSize, nPositions,
                layerNormEpsilon, ACTIVATION);
    }

    /**
     * A GPT-2 config with the shape of {@code c} (its {@code modelType} must be "gpt2" and its
     * activation gelu_new). BOS/EOS are 50256 for the GPT-2 vocabulary, else the last id.
     */
    public static Gpt2Config from(ModelConfig c) {
        if (!MODEL_TYPE.equals(c.modelType())) {
            throw new IllegalArgumentException("expected model_type 'gpt2', found '" + c.modelType() + "'");
        }
        if (!ACTIVATION.equals(c.activation())) {
            throw new IllegalArgumentException("GPT-2 supports activation_function 'gelu_new' only, found '" + c.activation() + "'");
        }
        if (c.nKvHeads() != c.nHeads() || c.dHead() * c.nHeads() != c.dModel()) {
            throw new IllegalArgumentException("GPT-2 needs n_kv_heads == n_heads and d_head·n_heads == d_model, found " + c);
        }
        int special = c.vocabSize() >= GPT2_VOCAB ? END_OF_TEXT : c.vocabSize() - 1;
        return new Gpt2Config(c.dModel(), c.nLayers(), c.nHeads(), c.dMlp(), c.contextLength(), c.vocabSize(), c.normEps(),
                true, special, special);
    }

    /** Reads and validates {@code config.json}; every error names the file and the field. */
    public static Gpt2Config read(Path configJson) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(configJson + ": file not found (a GPT-2 directory needs config.json)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(configJson + ": not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(configJson + ": expected a JSON object");
        }
        String type = n.path("model_type").asText("");
        if (!MODEL_TYPE.equals(type)) {
            throw new IllegalArgumentException(configJson + ": field 'model_type' must be 'gpt2', found '" + type + "'");
        }
        String act = n.hasNonNull("activation_function") ? n.get("activation_function").asText() : ACTIVATION;
        if (!ACTIVATION.equals(act)) {
            throw new IllegalArgumentException(configJson + ": field 'activation_function' is '" + act
                    + "'; only 'gelu_new' (the tanh approximation GPT-2 uses) is supported");
        }
        refuse(configJson, n, "scale_attn_weights", false, "attention scaled by 1/sqrt(d_head)");
        refuse(configJson, n, "scale_attn_by_inverse_layer_idx", true, "no per-layer attention scaling");
        refuse(configJson, n, "add_cross_attention", true, "no cross-attention");

        int nEmbd = intField(configJson, n, "n_embd");
        int nPositions = n.hasNonNull("n_positions") ? intField(configJson, n, "n_positions") : intField(configJson, n, "n_ctx");
        int nInner = n.hasNonNull("n_inner") ? intField(configJson, n, "n_inner") : 4 * nEmbd;
        double eps = n.hasNonNull("layer_norm_epsilon") ? n.get("layer_norm_epsilon").asDouble() : 1e-5;
        boolean tied = !n.hasNonNull("tie_word_embeddings") || n.get("tie_word_embeddings").asBoolean();
        int bos = n.hasNonNull("bos_token_id") ? intField(configJson, n, "bos_token_id") : END_OF_TEXT;
        int eos = n.hasNonNull("eos_token_id") ? intField(configJson, n, "eos_token_id") : END_OF_TEXT;
        try {
            return new Gpt2Config(nEmbd, intField(configJson, n, "n_layer"), intField(configJson, n, "n_head"), nInner, nPositions,
                    intField(configJson, n, "vocab_size"), eps, tied, bos, eos);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    private static int intField(Path file, JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(file + ": field '" + field + "' is missing");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(file + ": field '" + field + "' must be an integer, found " + v);
        }
        return v.asInt();
    }

    private static void refuse(Path file, JsonNode n, String field, boolean unsupported, String supported) {
        if (n.hasNonNull(field) && n.get(field).asBoolean() == unsupported) {
            throw new IllegalArgumentException(file + ": field '" + field + "' = " + unsupported
                    + " is not supported (this GPT-2 implementation computes " + supported + ")");
        }
    }
}
