package org.isaerft.explain.adapter;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.ExplainRun;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;

/**
 * Reads what the adapter explainer needs from disk: an adapter's {@code adapter.safetensors}
 * (tensors {@code W1} [hidden, d_sae] and {@code W2} [d_sae, hidden] for FFNN adapters, {@code s}
 * [d_sae] for scale, {@code b} [d_sae] for bias — torch {@code nn.Linear} layout), a
 * {@code latent_descriptions.json}, and optional mined records of the hidden units.
 */
public final class AdapterFiles {
    private AdapterFiles() {}

    /** {@code latent_descriptions.json}: exactly {"&lt;latent id&gt;": "&lt;description&gt;"}. */
    public static Map<LatentId, String> descriptions(Path file) {
        Map<String, String> raw;
        try {
            raw = Json.MAPPER.readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": expected {\"<latent id>\": \"<description>\"}: " + e.getMessage(), e);
        }
        Map<LatentId, String> out = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            try {
                out.put(LatentId.parse(e.getKey()), e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(file + ": key '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    /** The one latent source all descriptions share; an error naming the sources when there are several. */
    public static String commonSource(Map<LatentId, String> descriptions, Path file) {
        Set<String> sources = new LinkedHashSet<>();
        descriptions.keySet().forEach(id -> sources.add(id.source()));
        if (sources.size() != 1) {
            throw new IllegalArgumentException(file + ": descriptions come from " + sources.size() + " latent sources " + sources
                    + "; name the adapter's with --latent-source");
        }
        return sources.iterator().next();
    }

    /** Records of the adapter's hidden units ({@code <adapterId>/ffnn/<u>}) found in {@code dir}, by unit. */
    public static Map<Integer, LatentRecord> unitRecords(Path dir, String adapterId) {
        Map<Integer, LatentRecord> out = new HashMap<>();
        for (Path f : ExplainRun.recordFiles(dir)) {
            LatentRecord r = ExplainRun.readRecord(f);
            if (r.id().source().equals(adapterId + "/ffnn")) {
                out.put(r.id().index(), r);
            }
        }
        return out;
    }

    /** A loaded adapter: exactly one of the two is non-null. */
    public record Loaded(FfnnWeights ffnn, VectorWeights vector) {}

    /**
     * @param path an {@code adapter.safetensors} file or the adapter folder holding one
     */
    public static Loaded load(Path path, String adapterId, String latentSource, Map<LatentId, String> descriptions,
            Map<Integer, LatentRecord> unitRecords) {
        Path file = Files.isDirectory(path) ? path.resolve("adapter.safetensors") : path;
        SafeTensors.File st = SafeTensors.read(file);
        if (st.has("W1") && st.has("W2")) {
            HostTensor w1 = st.get("W1");
            if (w1.shape().length != 2) {
                throw new IllegalArgumentException(file + ": tensor W1 must be 2-d [hidden, d_sae], found " + w1.shapeString());
            }
            int hidden = (int) w1.shape()[0];
            int dSae = (int) w1.shape()[1];
            HostTensor w2 = st.get("W2", dSae, hidden);
            return new Loaded(new FfnnWeights(adapterId, latentSource, rows(w1.toFloatArray(), hidden, dSae),
                    rows(w2.toFloatArray(), dSae, hidden), descriptions, unitRecords), null);
        }
        for (String[] k : new String[][] {{"s", "SCALE"}, {"b", "BIAS"}}) {
            if (st.has(k[0])) {
                HostTensor t = st.get(k[0]);
                if (t.shape().length != 1) {
                    throw new IllegalArgumentException(file + ": tensor " + k[0] + " must be 1-d [d_sae], found " + t.shapeString());
                }
                return new Loaded(null, new VectorWeights(adapterId, VectorWeights.Kind.valueOf(k[1]), latentSource, t.toFloatArray(),
                        descriptions));
            }
        }
        throw new IllegalArgumentException(file + ": no adapter tensors found; expected W1 and W2 (ffnn), s (scale) or b (bias), found "
                + st.tensors().keySet());
    }

    private static float[][] rows(float[] flat, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }
}
