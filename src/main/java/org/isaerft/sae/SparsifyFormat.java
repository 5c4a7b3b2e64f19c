package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.model.HookPoint;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;

/**
 * EleutherAI sparsify (github.com/EleutherAI/sparsify) TopK SAEs: a directory with {@code cfg.json}
 * ({@code k}, {@code num_latents} or {@code expansion_factor}, {@code d_in}, {@code activation}) and
 * {@code sae.safetensors} ({@code encoder.weight} [d_sae, d_in], {@code encoder.bias} [d_sae],
 * {@code W_dec} [d_sae, d_in], {@code b_dec} [d_in]). Forward: {@code pre = ReLU((x − b_dec) @ encoder.weightᵀ + encoder.bias)},
 * top-k per token, {@code x̂ = c @ W_dec + b_dec}, on the raw activation. Skip connections,
 * transcoders and groupmax are refused.
 *
 * <p>The hook point is not in the files. sparsify saves one folder per hookpoint, named after the
 * Hugging Face module: {@link #hookForDirectory} maps {@code layers.N}, {@code h.N},
 * {@code transformer.h.N}, {@code model.layers.N}, {@code gpt_neox.layers.N} (the block's output) to
 * {@code blocks.N.hook_resid_post}, and {@code ….N.mlp} / {@code ….N.self_attn|attn|attention} to
 * {@code blocks.N.hook_mlp_out} / {@code blocks.N.hook_attn_out}. Any other folder name needs an
 * explicit hook point.
 */
public final class SparsifyFormat extends FolderSaeFormat {
    public static final String NAME = "sparsify";
    public static final String CFG = "cfg.json";
    public static final String WEIGHTS = "sae.safetensors";
    private static final Pattern MODULE = Pattern.compile(
            "(?:base_model\\.model\\.)?(?:model\\.|transformer\\.|gpt_neox\\.)?(?:layers|h)\\.(\\d+)(?:\\.(mlp|self_attn|attn|attention))?");

    public SparsifyFormat() {
        super(NAME, CFG, WEIGHTS);
    }

    /** The TransformerLens hook for a sparsify hookpoint folder name, if it is one this mapping knows. */
    public static Optional<HookPoint> hookForDirectory(String name) {
        Matcher m = MODULE.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        int layer = Integer.parseInt(m.group(1));
        String sub = m.group(2);
        if (sub == null) {
            return Optional.of(HookPoint.residPost(layer));
        }
        return Optional.of(new HookPoint(layer, sub.equals("mlp") ? HookPoint.MLP_OUT : HookPoint.ATTN_OUT));
    }

    @Override
    public Sae load(Path dir, SaeLoadOptions options, NDManager parent) {
        Path cfgPath = dir.resolve(CFG);
        Path wPath = dir.resolve(WEIGHTS);
        JsonNode cfg = SaeLensFormat.applyOverrides(SaeLensFormat.readCfg(cfgPath), options);
        String dirName = dir.toAbsolutePath().normalize().getFileName().toString();
        HookPoint hook = options.hook().or(() -> hookForDirectory(dirName)).orElseThrow(() -> new IllegalArgumentException(
                dir + ": sparsify does not record the hook point and folder name '" + dirName
                        + "' is not a known hookpoint (layers.N, h.N, …); pass the hook point explicitly (--sae-hook)"));
        String act = cfg.has("activation") ? cfg.get("activation").asText() : "topk";
        if (!act.equals("topk")) {
            throw new TensorFormatException(cfgPath + ": activation '" + act + "' is not supported (topk only)");
        }
        if (cfg.path("skip_connection").asBoolean(false)) {
            throw new TensorFormatException(cfgPath + ": skip_connection SAEs (W_skip) are not supported");
        }
        if (cfg.path("transcode").asBoolean(false)) {
            throw new TensorFormatException(cfgPath + ": transcoders (transcode: true) are not supported");
        }
        if (!cfg.hasNonNull("k") || !cfg.get("k").canConvertToInt()) {
            throw new TensorFormatException(cfgPath + ": field 'k' is missing or not an integer");
        }
        int k = cfg.get("k").asInt();
        SafeTensors.File st = SafeTensors.read(wPath);
        String file = wPath.toString();
        HostTensor enc = st.get("encoder.weight");
        if (enc.shape().length != 2) {
            throw new TensorFormatException(file + ": tensor 'encoder.weight' has shape " + enc.shapeString() + ", expected [num_latents, d_in]");
        }
        int dIn = cfg.hasNonNull("d_in") ? cfg.get("d_in").asInt() : (int) enc.shape()[1];
        int numLatents = cfg.path("num_latents").asInt(0);
        int dSae = numLatents > 0 ? numLatents : (int) Math.round(cfg.path("expansion_factor").asDouble(0) * dIn);
        if (dSae <= 0) {
            throw new TensorFormatException(cfgPath + ": neither num_latents nor expansion_factor gives the number of latents");
        }
        Weights.expect(file, "encoder.weight", enc, dSae, dIn);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("W_enc", Weights.transpose(enc));
        w.put("b_enc", Weights.f32(Weights.expect(file, "encoder.bias", st.get("encoder.bias"), dSae)));
        w.put("W_dec", Weights.f32(Weights.expect(file, "W_dec", st.get("W_dec"), dSae, dIn)));
        w.put("b_dec", Weights.f32(Weights.expect(file, "b_dec", st.get("b_dec"), dIn)));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", dir.toString());
        meta.put("multi_topk", cfg.path("multi_topk").asBoolean(false));
        meta.put("normalize_decoder", cfg.path("normalize_decoder").asBoolean(true));
        String id = options.id() != null ? options.id() : dirName;
        SaeConfig sc = SaeConfig.builder().id(id).format(NAME).hookPoint(hook).dIn(dIn).dSae(dSae).topK(k).applyBDecToInput(true)
                .inputNormalization(InputNormalization.NONE).normalizeDecoderAtUse(false).metadata(meta).build();
        return Sae.create(sc, w, parent);
    }
}
