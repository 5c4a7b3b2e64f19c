package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.model.HookPoint;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAELens format: a directory with {@code cfg.json} and {@code sae_weights.safetensors}
 * ({@code W_enc} [d_in, d_sae], {@code b_enc} [d_sae], {@code W_dec} [d_sae, d_in], {@code b_dec} [d_in],
 * JumpReLU {@code threshold} [d_sae] or {@code log_threshold}).
 *
 * <p>Config layouts: the old flat one ({@code hook_name}, {@code model_name}, {@code architecture}
 * or {@code activation_fn_str}, … at the top level) and SAELens ≥ 6's ({@code architecture},
 * {@code d_in}, {@code d_sae}, {@code apply_b_dec_to_input}, {@code normalize_activations} at the top
 * level; {@code hook_name}, {@code model_name}, {@code hook_head_index}, {@code prepend_bos},
 * {@code model_from_pretrained_kwargs} under {@code metadata}). Architectures: {@code standard}
 * (ReLU), {@code jumprelu}, {@code topk} (k from {@code k} or {@code activation_fn_kwargs.k});
 * gated and hook_z SAEs are refused.
 *
 * <p>Input convention: SAELens trains on {@code HookedTransformer.from_pretrained_no_processing(**model_from_pretrained_kwargs)},
 * so the input is the raw activation, unless those kwargs set {@code center_writing_weights: true},
 * which centres what is written to the residual stream (residual hooks, attn_out, mlp_out): then
 * {@link InputNormalization#CENTER}. {@code normalize_activations}: {@code none};
 * {@code expected_average_only_in} (the scaling factor is folded into the weights, as
 * {@code SAE.from_pretrained} does: W_enc·s, W_dec/s, b_dec/s; without a known factor a warning is
 * logged and the SAE runs unscaled, as in SAELens); {@code constant_norm_rescale} and
 * {@code layer_norm} (per-token, see {@link InputNormalization}). SAELens ≤ 5's
 * {@code finetuning_scaling_factor} ({@code scaling_factor} [d_sae] multiplying the latents before
 * decoding) is folded into the rows of {@code W_dec}.
 */
public final class SaeLensFormat extends FolderSaeFormat {
    public static final String NAME = "saelens";
    public static final String CFG = "cfg.json";
    public static final String WEIGHTS = "sae_weights.safetensors";
    public static final int SCHEMA_VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(SaeLensFormat.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SaeLensFormat() {
        super(NAME, CFG, WEIGHTS);
    }

    /** A field from the top level, else from {@code metadata}. */
    private static JsonNode field(JsonNode cfg, String name) {
        JsonNode v = cfg.get(name);
        if ((v == null || v.isNull()) && cfg.has("metadata") && cfg.get("metadata").isObject()) {
            v = cfg.get("metadata").get(name);
        }
        return v == null || v.isNull() ? null : v;
    }

    static JsonNode readCfg(Path cfgPath) {
        if (!Files.exists(cfgPath)) {
            throw new TensorFormatException(cfgPath + ": file not found");
        }
        try {
            JsonNode n = JSON.readTree(cfgPath.toFile());
            if (n == null || !n.isObject()) {
                throw new TensorFormatException(cfgPath + ": expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new TensorFormatException(cfgPath + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The config with {@code options.configOverrides()} set at the top level. */
    static JsonNode applyOverrides(JsonNode cfg, SaeLoadOptions options) {
        if (options.configOverrides().isEmpty()) {
            return cfg;
        }
        ObjectNode o = ((ObjectNode) cfg).deepCopy();
        options.configOverrides().forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
        return o;
    }

    private static int requiredInt(Path cfgPath, JsonNode cfg, String name) {
        JsonNode v = field(cfg, name);
        if (v == null || !v.canConvertToInt()) {
            throw new TensorFormatException(cfgPath + ": field '" + name + "' is missing or not an integer");
        }
        return v.asInt();
    }

    @Override
    public Sae load(Path dir, SaeLoadOptions options, NDManager parent) {
        Path cfgPath = dir.resolve(CFG);
        Path wPath = dir.resolve(WEIGHTS);
        JsonNode cfg = applyOverrides(readCfg(cfgPath), options);
        int dIn = requiredInt(cfgPath, cfg, "d_in");
        int dSae = requiredInt(cfgPath, cfg, "d_sae");
        JsonNode hookNode = field(cfg, "hook_name");
        HookPoint hook;
        if (hookNode == null) {
            if (options.hookPoint() == null) {
                throw new TensorFormatException(cfgPath + ": field 'hook_name' (or 'metadata.hook_name') is missing; pass the hook point explicitly");
            }
            hook = options.hookPoint();
        } else {
            try {
                hook = HookPoint.parse(hookNode.asText());
            } catch (IllegalArgumentException e) {
                throw new TensorFormatException(cfgPath + ": hook_name '" + hookNode.asText() + "' is not supported: " + e.getMessage(), e);
            }
            if (options.hookPoint() != null && !options.hookPoint().equals(hook)) {
                throw new IllegalArgumentException(cfgPath + ": SAE is at " + hook + ", not at the requested " + options.hookPoint());
            }
        }
        JsonNode head = field(cfg, "hook_head_index");
        if (head != null) {
            throw new TensorFormatException(cfgPath + ": hook_head_index " + head + " (per-head SAEs) is not supported");
        }
        JsonNode reshape = field(cfg, "reshape_activations");
        if (reshape != null && !reshape.asText().equals("none")) {
            throw new TensorFormatException(cfgPath + ": reshape_activations '" + reshape.asText() + "' (hook_z SAEs) is not supported");
        }
        String arch = field(cfg, "architecture") != null ? field(cfg, "architecture").asText() : null;
        String actFn = field(cfg, "activation_fn_str") != null ? field(cfg, "activation_fn_str").asText() : "relu";
        if (arch == null) {
            arch = actFn.equals("topk") ? "topk" : "standard";
        }
        int k = 0;
        switch (arch) {
            case "standard" -> {
                if (!actFn.equals("relu") && !actFn.equals("topk")) {
                    throw new TensorFormatException(cfgPath + ": activation_fn_str '" + actFn + "' is not supported (relu, topk)");
                }
                if (actFn.equals("topk")) {
                    arch = "topk";
                }
            }
            case "jumprelu", "topk" -> { }
            default -> throw new TensorFormatException(cfgPath + ": architecture '" + arch + "' is not supported (standard, jumprelu, topk)");
        }
        if (arch.equals("topk")) {
            JsonNode kNode = field(cfg, "k");
            if (kNode == null && field(cfg, "activation_fn_kwargs") != null) {
                kNode = field(cfg, "activation_fn_kwargs").get("k");
            }
            if (kNode == null || !kNode.canConvertToInt()) {
                throw new TensorFormatException(cfgPath + ": topk SAE without an integer 'k' (or activation_fn_kwargs.k)");
            }
            k = kNode.asInt();
        }
        boolean applyBDec = field(cfg, "apply_b_dec_to_input") == null || field(cfg, "apply_b_dec_to_input").asBoolean();
        String norm = field(cfg, "normalize_activations") != null ? field(cfg, "normalize_activations").asText() : "none";
        InputNormalization inNorm = InputNormalization.NONE;
        Double fold = null;
        switch (norm) {
            case "none" -> { }
            case "constant_norm_rescale" -> inNorm = InputNormalization.CONSTANT_NORM_RESCALE;
            case "layer_norm" -> inNorm = InputNormalization.LAYER_NORM;
            case "expected_average_only_in" -> {
                fold = options.normScalingFactor();
                if (fold == null && field(cfg, "norm_scaling_factor") != null) {
                    fold = field(cfg, "norm_scaling_factor").asDouble();
                }
                if (fold == null) {
                    LOG.warn("{}: normalize_activations is expected_average_only_in but no norm_scaling_factor is known; "
                            + "running unscaled (as SAELens does)", cfgPath);
                }
            }
            default -> throw new TensorFormatException(cfgPath + ": normalize_activations '" + norm
                    + "' is not supported (none, expected_average_only_in, constant_norm_rescale, layer_norm)");
        }
        JsonNode kwargs = field(cfg, "model_from_pretrained_kwargs");
        boolean centred = kwargs != null && kwargs.has("center_writing_weights") && kwargs.get("center_writing_weights").asBoolean();
        if (centred && writesResidual(hook)) {
            if (inNorm != InputNormalization.NONE) {
                throw new TensorFormatException(cfgPath + ": center_writing_weights together with normalize_activations '" + norm
                        + "' is not supported");
            }
            inNorm = InputNormalization.CENTER;
        }

        SafeTensors.File st = SafeTensors.read(wPath);
        String file = wPath.toString();
        Map<String, HostTensor> w = new LinkedHashMap<>();
        HostTensor wEnc = Weights.f32(Weights.expect(file, "W_enc", st.get("W_enc"), dIn, dSae));
        HostTensor wDec = Weights.f32(Weights.expect(file, "W_dec", st.get("W_dec"), dSae, dIn));
        HostTensor bDec = Weights.f32(Weights.expect(file, "b_dec", st.get("b_dec"), dIn));
        if (fold != null) {
            wEnc = Weights.scale(wEnc, fold);
            wDec = Weights.scale(wDec, 1.0 / fold);
            bDec = Weights.scale(bDec, 1.0 / fold);
        }
        w.put("W_enc", wEnc);
        w.put("b_enc", Weights.f32(Weights.expect(file, "b_enc", st.get("b_enc"), dSae)));
        JsonNode ft = field(cfg, "finetuning_scaling_factor");
        if (ft != null && ft.asBoolean(false)) {
            // SAELens ≤ 5: decode(c) = (c ⊙ scaling_factor) @ W_dec + b_dec; folded into W_dec's rows
            wDec = Weights.scaleRows(wDec, Weights.expect(file, "scaling_factor", st.get("scaling_factor"), dSae));
        }
        w.put("W_dec", wDec);
        w.put("b_dec", bDec);
        SaeConfig.Builder b = SaeConfig.builder();
        if (arch.equals("jumprelu")) {
            if (st.has("threshold")) {
                w.put("threshold", Weights.f32(Weights.expect(file, "threshold", st.get("threshold"), dSae)));
            } else if (st.has("log_threshold")) {
                w.put("threshold", Weights.exp(Weights.expect(file, "log_threshold", st.get("log_threshold"), dSae)));
            } else {
                throw new TensorFormatException(file + ": JumpReLU SAE needs tensor 'threshold' (or 'log_threshold') [" + dSae + "]");
            }
            b.jumpRelu();
        } else if (arch.equals("topk")) {
            b.topK(k);
        } else {
            b.relu();
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", dir.toString());
        meta.put("architecture", arch);
        meta.put("normalize_activations", norm);
        if (fold != null) {
            meta.put("norm_scaling_factor_folded", fold);
        }
        JsonNode prependBos = field(cfg, "prepend_bos");
        if (prependBos != null) {
            meta.put("prepend_bos", prependBos.asBoolean());
        }
        JsonNode ctx = field(cfg, "context_size");
        if (ctx != null) {
            meta.put("context_size", ctx.asInt());
        }
        String id = options.id() != null ? options.id() : dir.toAbsolutePath().normalize().getFileName().toString();
        SaeConfig sc = b.id(id).format(NAME).hookPoint(hook).dIn(dIn).dSae(dSae).applyBDecToInput(applyBDec)
                .inputNormalization(inNorm).normalizeDecoderAtUse(false)
                .modelName(field(cfg, "model_name") != null ? field(cfg, "model_name").asText() : null).metadata(meta).build();
        return Sae.create(sc, w, parent);
    }

    /** Sites whose values TransformerLens' center_writing_weights centres. */
    static boolean writesResidual(HookPoint hook) {
        return hook.isResidual() || hook.site().equals(HookPoint.ATTN_OUT) || hook.site().equals(HookPoint.MLP_OUT);
    }

    /**
     * Writes {@code sae} to {@code dir} in SAELens' current layout (cfg.json with a {@code metadata}
     * block, plus {@code schema_version}; sae_weights.safetensors). Decoder normalisation at use is
     * baked into {@code W_dec}; {@link InputNormalization#CENTER} is recorded as
     * {@code model_from_pretrained_kwargs.center_writing_weights: true}. Files are written into a
     * temporary sibling directory that is renamed into place, so {@code dir} never holds a
     * half-written SAE. {@code extraMetadata} is added under {@code metadata}.
     */
    public static void save(Sae sae, Path dir, Map<String, Object> extraMetadata) {
        SaeConfig c = sae.config();
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("schema_version", SCHEMA_VERSION);
        cfg.put("architecture", switch (c.activation()) {
            case SaeConfig.JUMPRELU -> "jumprelu";
            case SaeConfig.TOPK -> "topk";
            default -> "standard";
        });
        cfg.put("d_in", c.dIn());
        cfg.put("d_sae", c.dSae());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("apply_b_dec_to_input", c.applyBDecToInput());
        cfg.put("normalize_activations", switch (c.inputNormalization()) {
            case CONSTANT_NORM_RESCALE -> "constant_norm_rescale";
            case LAYER_NORM -> "layer_norm";
            default -> "none";
        });
        cfg.put("reshape_activations", "none");
        if (c.k() > 0) {
            cfg.put("k", c.k());
        }
        ObjectNode meta = cfg.putObject("metadata");
        meta.put("hook_name", c.hookPoint().name());
        if (c.modelName() != null) {
            meta.put("model_name", c.modelName());
        }
        meta.putNull("hook_head_index");
        ObjectNode kwargs = meta.putObject("model_from_pretrained_kwargs");
        kwargs.put("center_writing_weights", c.inputNormalization() == InputNormalization.CENTER);
        meta.put("isaerft_id", c.id());
        meta.put("isaerft_source_format", c.format());
        if (extraMetadata != null) {
            extraMetadata.forEach((k, v) -> meta.set(k, JSON.valueToTree(v)));
        }
        Map<String, HostTensor> weights = new LinkedHashMap<>(sae.hostWeights());
        if (c.normalizeDecoderAtUse()) {
            var dirs = sae.decoderDirections();
            weights.put("W_dec", HostTensor.f32(dirs.getShape().getShape(), dirs.toFloatArray()));
        }
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            SafeTensors.write(tmp.resolve(WEIGHTS), weights, Map.of("format", "pt"));
            AtomicFiles.writeString(tmp.resolve(CFG), JSON.writeValueAsString(cfg) + "\n");
            if (Files.exists(target)) {
                for (String f : List.of(CFG, WEIGHTS)) {
                    AtomicFiles.moveIntoPlace(tmp.resolve(f), target.resolve(f));
                }
                Files.deleteIfExists(tmp);
            } else {
                Files.createDirectories(target.getParent());
                AtomicFiles.moveIntoPlace(tmp, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not save SAE to " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                if (Files.exists(tmp)) {
                    try (var s = Files.list(tmp)) {
                        for (Path p : s.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException ignored) {
                // best effort cleanup of the temporary directory
            }
        }
    }
}
