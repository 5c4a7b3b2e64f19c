package org.isaerft.sae.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.sae.SaeLensFormat;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Writes a trained SAE: SAELens layout ({@code cfg.json} + {@code sae_weights.safetensors}, read
 * back by {@link SaeLensFormat}; the unit-norm decoder is stored as is) plus {@code metadata.json}
 * ({@code schema_version}, {@code type: "sae_training"}, kind, λ, hook, widths, model, data,
 * tokens, seed, the full training configuration, metrics, library versions, the exact command).
 */
public final class SaeTrainOutput {
    public static final String METADATA = "metadata.json";
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "sae_training";

    private SaeTrainOutput() {}

    /**
     * Saves {@code trainer}'s SAE to {@code dir}. {@code extra} entries (e.g. {@code data},
     * {@code metrics}, {@code eval}) are added to metadata.json; {@code command} is the command line
     * that reproduces the run.
     */
    public static Map<String, Object> save(SaeTrainer trainer, Path dir, Map<String, Object> extra, String command) {
        SaeTrainConfig c = trainer.config();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("kind", c.kind().label());
        training.put("l1", c.l1());
        training.put("sparsity", "mean over tokens of ||c||_1 / d_in");
        training.put("steps", trainer.step());
        training.put("tokens", trainer.tokensSeen());
        training.put("seed", c.seed());
        SaeLensFormat.save(trainer.sae(), dir, Map.of("isaerft_training", training));

        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("schema_version", SCHEMA_VERSION);
        meta.put("type", TYPE);
        meta.put("kind", c.kind().label());
        meta.put("l1", c.l1());
        meta.put("hook", c.hook().name());
        meta.put("d_in", trainer.sae().dIn());
        meta.put("d_sae", trainer.sae().dSae());
        meta.put("model", trainer.sae().config().modelName());
        meta.put("tokens", trainer.tokensSeen());
        meta.put("steps", trainer.step());
        meta.put("seed", c.seed());
        meta.put("sparsity_definition", "mean over tokens of ||c||_1 divided by d_in (e2e_sae); loss = objective + l1 * sparsity");
        meta.put("decoder_normalisation", "rows L2-normalised at use during training and rescaled to unit norm after every step");
        meta.put("config", c.toMap());
        if (extra != null) {
            meta.putAll(extra);
        }
        meta.put("versions", Versions.all());
        meta.put("command", command);
        Json.writeFile(dir.resolve(METADATA), meta);
        return meta;
    }
}
