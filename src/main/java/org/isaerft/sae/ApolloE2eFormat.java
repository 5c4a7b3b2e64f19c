package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.pt.TorchCheckpoint;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.TensorFormatException;

/**
 * Apollo Research e2e_sae checkpoints (Braun et al. 2024; github.com/ApolloResearch/e2e_sae).
 *
 * <p>Files: a PyTorch zip {@code .pt} state dict and its YAML config. Two layouts are read:
 * <ul>
 *   <li>e2e_sae's own run output: {@code samples_N.pt} + {@code final_config.yaml}; keys
 *   {@code <hook with dots as hyphens>.encoder.0.weight|bias}, {@code .decoder.weight|bias}, one
 *   SAE per entry of {@code saes.sae_positions}. In a directory with several {@code samples_N.pt}
 *   the largest N (the last checkpoint) is used.</li>
 *   <li>the Hugging Face upload {@code apollo-research/e2e-saes-gpt2}: {@code NAME.pt} + {@code NAME.yaml};
 *   keys {@code encoder.weight|bias}, {@code decoder.weight|bias} for the single position.</li>
 * </ul>
 * Semantics ({@code e2e_sae.models.sparsifiers.SAE}): input centred per token (TransformerLens
 * {@code center_writing_weights}), {@code c = ReLU(x_in @ encoder.weightᵀ + encoder.bias)} with no
 * b_dec subtraction, {@code x̂ = c @ normalize(decoder.weight, dim=0)ᵀ + decoder.bias}.
 * {@code encoder.weight} [d_sae, d_in] and {@code decoder.weight} [d_in, d_sae] are transposed into
 * the canonical layout; decoder normalisation is kept at use time (so training can reuse it).
 */
public final class ApolloE2eFormat implements SaeFormat {
    public static final String NAME = "apollo_e2e";
    private static final Pattern SAMPLES = Pattern.compile("samples_(\\d+)\\.pt");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String expectedFiles() {
        return "a torch .pt state dict + its YAML config (NAME.pt + NAME.yaml, or samples_N.pt + final_config.yaml)";
    }

    @Override
    public boolean recognises(Path path) {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().endsWith(".pt");
        }
        return Files.isDirectory(path) && !ptFiles(path).isEmpty()
                && !Files.exists(path.resolve("cfg.json"));
    }

    @Override
    public List<String> remoteFiles(String path) {
        if (!path.endsWith(".pt")) {
            throw new IllegalArgumentException("apollo_e2e pretrained path must name a .pt file, found '" + path + "'");
        }
        return List.of(path.substring(0, path.length() - 3) + ".yaml", path);
    }

    /** The .pt and its YAML for {@code path} (a .pt file or a run directory). */
    record Files2(Path pt, Path yaml) {}

    static Files2 locate(Path path) {
        Path pt;
        if (Files.isRegularFile(path)) {
            pt = path;
        } else {
            List<Path> pts = ptFiles(path);
            if (pts.isEmpty()) {
                throw new TensorFormatException(path + ": no .pt checkpoint in this directory");
            }
            if (pts.size() == 1) {
                pt = pts.get(0);
            } else {
                pt = pts.stream().filter(p -> SAMPLES.matcher(p.getFileName().toString()).matches())
                        .max((a, b) -> Long.compare(samples(a), samples(b)))
                        .orElseThrow(() -> new TensorFormatException(path + ": several .pt files " + pts.stream().map(p -> p.getFileName().toString()).toList()
                                + "; pass the one to load as the SAE path"));
            }
        }
        String file = pt.getFileName().toString();
        Path dir = pt.toAbsolutePath().getParent();
        Path own = dir.resolve(file.substring(0, file.length() - 3) + ".yaml");
        Path fin = dir.resolve("final_config.yaml");
        Path yaml = Files.exists(own) ? own : fin;
        if (!Files.exists(yaml)) {
            throw new TensorFormatException(pt + ": config not found (looked for " + own.getFileName() + " and final_config.yaml in " + dir + ")");
        }
        return new Files2(pt, yaml);
    }

    private static long samples(Path p) {
        Matcher m = SAMPLES.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static List<Path> ptFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pt") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new TensorFormatException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** The hook points listed in the config's {@code saes.sae_positions}. */
    static List<HookPoint> positions(Path yaml, JsonNode cfg) {
        JsonNode saes = cfg.get("saes");
        JsonNode pos = saes == null ? null : saes.get("sae_positions");
        if (pos == null || pos.isNull()) {
            throw new TensorFormatException(yaml + ": field 'saes.sae_positions' is missing");
        }
        List<HookPoint> out = new ArrayList<>();
        if (pos.isTextual()) {
            out.add(parseHook(yaml, pos.asText()));
        } else {
            pos.forEach(p -> out.add(parseHook(yaml, p.asText())));
        }
        if (out.isEmpty()) {
            throw new TensorFormatException(yaml + ": 'saes.sae_positions' is empty");
        }
        return out;
    }

    private static HookPoint parseHook(Path yaml, String s) {
        try {
            return HookPoint.parse(s);
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException(yaml + ": saes.sae_positions entry '" + s + "': " + e.getMessage(), e);
        }
    }

    static JsonNode readYaml(Path yaml) {
        try {
            JsonNode n = YAML.readTree(yaml.toFile());
            if (n == null || !n.isObject()) {
                throw new TensorFormatException(yaml + ": expected a YAML mapping (e2e_sae Config)");
            }
            return n;
        } catch (IOException e) {
            throw new TensorFormatException(yaml + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    @Override
    public Sae load(Path path, SaeLoadOptions options, NDManager parent) {
        Files2 f = locate(path);
        List<HookPoint> positions = positions(f.yaml(), readYaml(f.yaml()));
        HookPoint want;
        if (options.hookPoint() != null) {
            want = options.hookPoint();
            if (!positions.contains(want)) {
                throw new IllegalArgumentException(f.pt() + ": no SAE at " + want + " (saes.sae_positions: " + positions + ")");
            }
        } else if (positions.size() == 1) {
            want = positions.get(0);
        } else {
            throw new IllegalArgumentException(f.pt() + " holds SAEs at " + positions + "; choose one with a hook point (--sae-hook)");
        }
        return build(f, positions, List.of(want), options, parent).get(0);
    }

    @Override
    public List<Sae> loadAll(Path path, SaeLoadOptions options, NDManager parent) {
        Files2 f = locate(path);
        List<HookPoint> positions = positions(f.yaml(), readYaml(f.yaml()));
        return build(f, positions, positions, options, parent);
    }

    private List<Sae> build(Files2 f, List<HookPoint> positions, List<HookPoint> wanted, SaeLoadOptions options, NDManager parent) {
        JsonNode cfg = readYaml(f.yaml());
        TorchCheckpoint ckpt = TorchCheckpoint.read(f.pt());
        boolean flat = ckpt.tensors().containsKey("encoder.weight");
        if (flat && positions.size() != 1) {
            throw new TensorFormatException(f.pt() + ": flat keys (encoder.weight …) but the config lists " + positions.size()
                    + " positions " + positions);
        }
        String stem = f.pt().getFileName().toString().replaceFirst("\\.pt$", "");
        String model = cfg.hasNonNull("tlens_model_name") ? cfg.get("tlens_model_name").asText() : null;
        List<Sae> out = new ArrayList<>();
        try {
            for (HookPoint hook : wanted) {
                String prefix = flat ? "" : hook.name().replace('.', '-') + ".";
                String enc = prefix + (flat ? "encoder.weight" : "encoder.0.weight");
                String encB = prefix + (flat ? "encoder.bias" : "encoder.0.bias");
                String dec = prefix + "decoder.weight";
                String decB = prefix + "decoder.bias";
                if (!ckpt.tensors().containsKey(enc)) {
                    throw new TensorFormatException(f.pt() + ": tensor '" + enc + "' is missing for position " + hook
                            + " (checkpoint has " + ckpt.tensors().keySet() + ")");
                }
                HostTensor wEnc = ckpt.get(enc);
                if (wEnc.shape().length != 2) {
                    throw new TensorFormatException(f.pt() + ": tensor '" + enc + "' has shape " + wEnc.shapeString() + ", expected [d_sae, d_in]");
                }
                long dSae = wEnc.shape()[0];
                long dIn = wEnc.shape()[1];
                Map<String, HostTensor> w = new LinkedHashMap<>();
                w.put("W_enc", Weights.transpose(wEnc));
                w.put("b_enc", Weights.f32(Weights.expect(f.pt().toString(), encB, ckpt.get(encB), dSae)));
                w.put("W_dec", Weights.transpose(Weights.expect(f.pt().toString(), dec, ckpt.get(dec), dIn, dSae)));
                w.put("b_dec", Weights.f32(Weights.expect(f.pt().toString(), decB, ckpt.get(decB), dIn)));
                String id = options.id() != null ? options.id() : (wanted.size() == 1 && positions.size() == 1 ? stem : stem + "/" + hook.name());
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("source", f.pt().toString());
                meta.put("config", f.yaml().toString());
                JsonNode loss = cfg.get("loss");
                if (loss != null) {
                    meta.put("loss", YAML.convertValue(loss, Map.class));
                }
                if (cfg.hasNonNull("n_samples")) {
                    meta.put("n_samples", cfg.get("n_samples").asLong());
                }
                SaeConfig sc = SaeConfig.builder().id(id).format(NAME).hookPoint(hook).dIn((int) dIn).dSae((int) dSae).relu()
                        .applyBDecToInput(false).inputNormalization(InputNormalization.CENTER).normalizeDecoderAtUse(true)
                        .modelName(model).metadata(meta).build();
                out.add(Sae.create(sc, w, parent));
            }
        } catch (RuntimeException e) {
            out.forEach(Sae::close);
            throw e;
        }
        return out;
    }
}
