package org.isaerft.model.llama;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.isaerft.model.Tokenizer;
import org.isaerft.model.gpt2.HfTokenizer;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;

/**
 * Loads Llama models from the two layouts isaerft reads:
 * <ul>
 *   <li>llama2.c: a version-0 {@code *.bin} checkpoint and a {@code tok*.bin} tokenizer
 *       ({@link RopeStyle#INTERLEAVED});</li>
 *   <li>Hugging Face: {@code config.json} ({@code model_type} "llama") + {@code model.safetensors}
 *       (or a sharded {@code model.safetensors.index.json}) + {@code tokenizer.json}, or a llama2.c
 *       {@code tok*.bin} when there is no tokenizer.json ({@link RopeStyle#HALF}).</li>
 * </ul>
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    /** Loads whichever layout {@code dir} holds (HF when it has a config.json). */
    public static LlamaModel load(Path dir, NDManager parent) {
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return loadHf(dir, parent);
        }
        Path bin = findCheckpoint(dir);
        LlamaWeights w = Llama2cCheckpoint.load(bin);
        Tokenizer tok = findLlama2cTokenizer(dir, w.config().vocabSize());
        return new LlamaModel(w, tok, parent);
    }

    /** A llama2.c checkpoint with its tokenizer file. */
    public static LlamaModel loadLlama2c(Path checkpoint, Path tokenizer, NDManager parent) {
        LlamaWeights w = Llama2cCheckpoint.load(checkpoint);
        return new LlamaModel(w, Llama2cTokenizer.load(tokenizer, w.config().vocabSize()), parent);
    }

    /** The llama2.c checkpoint in {@code dir}: the one {@code *.bin} that is not a tokenizer. */
    static Path findCheckpoint(Path dir) {
        List<Path> bins = checkpointCandidates(dir);
        if (bins.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no llama2.c checkpoint (*.bin other than tok*.bin) and no config.json");
        }
        if (bins.size() > 1) {
            throw new IllegalArgumentException(dir + ": several llama2.c checkpoints, cannot choose: " + names(bins));
        }
        return bins.get(0);
    }

    static List<Path> checkpointCandidates(Path dir) {
        return list(dir).stream().filter(p -> name(p).endsWith(".bin") && !name(p).startsWith("tok")).toList();
    }

    static List<Path> tokenizerCandidates(Path dir) {
        return list(dir).stream().filter(p -> name(p).startsWith("tok") && name(p).endsWith(".bin")).toList();
    }

    /** The {@code tok*.bin} in {@code dir} that holds exactly {@code vocabSize} tokens. */
    static Llama2cTokenizer findLlama2cTokenizer(Path dir, int vocabSize) {
        List<Path> toks = tokenizerCandidates(dir);
        if (toks.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no tokenizer (tok*.bin or tokenizer.json)");
        }
        List<Llama2cTokenizer> fits = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path p : toks) {
            try {
                fits.add(Llama2cTokenizer.load(p, vocabSize));
            } catch (TensorFormatException e) {
                errors.add(e.getMessage());
            }
        }
        if (fits.size() == 1) {
            return fits.get(0);
        }
        if (fits.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no tokenizer file matches the model's vocab size " + vocabSize + ": "
                    + String.join("; ", errors));
        }
        throw new IllegalArgumentException(dir + ": several tokenizer files fit vocab size " + vocabSize + ": "
                + names(fits.stream().map(Llama2cTokenizer::source).toList()));
    }

    /** Reads an HF config.json into a {@link LlamaConfig} (RoPE style {@link RopeStyle#HALF}). */
    public static LlamaConfig readHfConfig(Path configJson) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(configJson + ": cannot read config.json: " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) {
            throw new IllegalArgumentException(configJson + ": expected a JSON object");
        }
        String type = c.path("model_type").asText("");
        if (!type.equals("llama")) {
            throw new IllegalArgumentException(configJson + ": model_type must be \"llama\", found \"" + type + "\"");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(configJson + ": hidden_act \"" + act + "\" is not supported (Llama uses silu)");
        }
        if (c.hasNonNull("rope_scaling")) {
            throw new IllegalArgumentException(configJson + ": rope_scaling " + c.get("rope_scaling")
                    + " is not supported (only plain RoPE)");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (c.path(bias).asBoolean(false)) {
                throw new IllegalArgumentException(configJson + ": " + bias + "=true is not supported");
            }
        }
        int hidden = requiredInt(c, configJson, "hidden_size");
        int heads = requiredInt(c, configJson, "num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? requiredInt(c, configJson, "num_key_value_heads") : heads;
        if (heads <= 0 || hidden % heads != 0 && !c.hasNonNull("head_dim")) {
            throw new IllegalArgumentException(configJson + ": hidden_size " + hidden + " is not a multiple of num_attention_heads "
                    + heads);
        }
        int headDim = c.hasNonNull("head_dim") ? requiredInt(c, configJson, "head_dim") : hidden / heads;
        try {
            return new LlamaConfig(hidden,
                    requiredInt(c, configJson, "num_hidden_layers"),
                    heads,
                    kvHeads,
                    headDim,
                    requiredInt(c, configJson, "intermediate_size"),
                    requiredInt(c, configJson, "vocab_size"),
                    requiredInt(c, configJson, "max_position_embeddings"),
                    c.path("rms_norm_eps").asDouble(1e-6),
                    c.path("rope_theta").asDouble(10000.0),
                    RopeStyle.HALF,
                    c.path("tie_word_embeddings").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /** Loads an HF-layout Llama directory. */
    public static LlamaModel loadHf(Path dir, NDManager parent) {
        Path configJson = dir.resolve("config.json");
        LlamaConfig cfg = readHfConfig(configJson);
        LlamaWeights w = readHfWeights(dir, cfg);
        Tokenizer tok;
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) {
            JsonNode c;
            try {
                c = new ObjectMapper().readTree(configJson.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(configJson + ": cannot read config.json: " + e.getMessage(), e);
            }
            tok = new HfTokenizer(tokenizerJson, cfg.vocabSize(), tokenId(c.path("bos_token_id")).orElse(-1),
                    tokenId(c.path("eos_token_id")).orElse(-1), true);
        } else {
            tok = findLlama2cTokenizer(dir, cfg.vocabSize());
        }
        return new LlamaModel(w, tok, parent);
    }

    /** Reads the HF tensors of {@code cfg}'s shapes from model.safetensors (or its shards). */
    public static LlamaWeights readHfWeights(Path dir, LlamaConfig cfg) {
        Map<String, SafeTensors.File> byTensor = openSafetensors(dir);
        long d = cfg.dModel();
        long q = (long) cfg.nHeads() * cfg.dHead();
        long kv = (long) cfg.nKvHeads() * cfg.dHead();
        long f = cfg.dMlp();
        long v = cfg.vocabSize();
        TensorSource src = new TensorSource(dir, byTensor);
        float[] embed = src.get("model.embed_tokens.weight", v, d);
        List<LlamaWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < cfg.nLayers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LlamaWeights.Layer(
                    src.get(p + "input_layernorm.weight", d),
                    src.get(p + "self_attn.q_proj.weight", q, d),
                    src.get(p + "self_attn.k_proj.weight", kv, d),
                    src.get(p + "self_attn.v_proj.weight", kv, d),
                    src.get(p + "self_attn.o_proj.weight", d, q),
                    src.get(p + "post_attention_layernorm.weight", d),
                    src.get(p + "mlp.gate_proj.weight", f, d),
                    src.get(p + "mlp.down_proj.weight", d, f),
                    src.get(p + "mlp.up_proj.weight", f, d)));
        }
        float[] norm = src.get("model.norm.weight", d);
        float[] head = null;
        if (!cfg.tiedEmbeddings()) {
            if (!src.has("lm_head.weight")) {
                throw new TensorFormatException(dir + ": tensor 'lm_head.weight' is missing and config.json has tie_word_embeddings=false");
            }
            head = src.get("lm_head.weight", v, d);
        }
        return new LlamaWeights(cfg, embed, layers, norm, head);
    }

    private record TensorSource(Path dir, Map<String, SafeTensors.File> byTensor) {
        boolean has(String name) {
            return byTensor.containsKey(name);
        }

        float[] get(String name, long... shape) {
            SafeTensors.File file = byTensor.get(name);
            if (file == null) {
                throw new TensorFormatException(dir.resolve("model.safetensors") + ": tensor '" + name + "' is missing (expected shape "
                        + java.util.Arrays.toString(shape) + ")");
            }
            HostTensor t = file.get(name, shape);
            if (!t.dtype().isFloating()) {
                throw new TensorFormatException(file.path() + ": tensor '" + name + "' has dtype " + t.dtype()
                        + ", expected a floating type (F32, F16, BF16, F64)");
            }
            return t.toFloatArray();
        }
    }

    private static Map<String, SafeTensors.File> openSafetensors(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Map<String, SafeTensors.File> out = new HashMap<>();
        if (Files.isRegularFile(single)) {
            SafeTensors.File f = SafeTensors.read(single);
            f.tensors().keySet().forEach(n -> out.put(n, f));
            return out;
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException(dir + ": no model.safetensors (or model.safetensors.index.json)");
        }
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new IllegalArgumentException(index + ": cannot read: " + e.getMessage(), e);
        }
        if (!map.isObject()) {
            throw new IllegalArgumentException(index + ": no weight_map object");
        }
        Map<String, SafeTensors.File> shards = new HashMap<>();
        map.fields().forEachRemaining(en -> {
            String shard = en.getValue().asText();
            SafeTensors.File f = shards.computeIfAbsent(shard, s -> SafeTensors.read(dir.resolve(s)));
            if (!f.has(en.getKey())) {
                throw new TensorFormatException(f.path() + ": tensor '" + en.getKey() + "' listed in " + index.getFileName()
                        + " is missing from the shard");
            }
            out.put(en.getKey(), f);
        });
        return out;
    }

    private static int requiredInt(JsonNode c, Path file, String field) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(file + ": required field " + field + " is missing");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": field " + field + " must be an integer, found " + n);
        }
        int v = n.asInt();
        if (v <= 0) {
            throw new IllegalArgumentException(file + ": field " + field + " must be positive, found " + v);
        }
        return v;
    }

    private static OptionalInt tokenId(JsonNode n) {
        if (n.isIntegralNumber()) {
            return OptionalInt.of(n.asInt());
        }
        if (n.isArray() && n.size() > 0 && n.get(0).isIntegralNumber()) {
            return OptionalInt.of(n.get(0).asInt());
        }
        return OptionalInt.empty();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list directory: " + e.getMessage(), e);
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static String names(List<Path> ps) {
        return ps.stream().map(LlamaLoader::name).toList().toString();
    }
}
