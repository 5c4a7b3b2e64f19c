package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;

/**
 * Creating, saving and loading adapters. On disk an adapter is {@code adapter.safetensors}: the
 * parameters by name ({@code s} | {@code b} | {@code W1 b1 W2 b2}, float32) and
 * {@code __metadata__} strings {@code schema_version}, {@code component}, {@code d_sae} and, for
 * the FFNN, {@code hidden} and {@code act} — enough to rebuild the adapter without other files.
 */
public final class Adapters {
    public static final String FILE = "adapter.safetensors";
    public static final String SCHEMA_VERSION = "1";

    private Adapters() {}

    /** Architecture options for {@link #create}. */
    public record Spec(AdapterKind kind, int dSae, int hidden, FfnnAdapter.Act act, long seed) {
        public Spec {
            if (kind == null) {
                throw new IllegalArgumentException("adapter component is required");
            }
            if (dSae <= 0) {
                throw new IllegalArgumentException("d_sae must be positive, found " + dSae);
            }
            if (kind == AdapterKind.FFNN && hidden <= 0) {
                throw new IllegalArgumentException("ffnn adapter: hidden width must be positive, found " + hidden);
            }
            if (act == null) {
                act = FfnnAdapter.Act.RELU;
            }
        }
    }

    /** A new adapter, identity at initialisation. */
    public static Adapter create(NDManager parent, Spec spec) {
        return switch (spec.kind()) {
            case SCALE -> new ScaleAdapter(parent, spec.dSae());
            case BIAS -> new BiasAdapter(parent, spec.dSae());
            case FFNN -> FfnnAdapter.init(parent, spec.dSae(), spec.hidden(), spec.act(), spec.seed());
        };
    }

    /** Writes {@code dir/adapter.safetensors} atomically. */
    public static Path save(Adapter adapter, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir, e);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema_version", SCHEMA_VERSION);
        meta.put("component", adapter.kind().id());
        meta.put("d_sae", Integer.toString(adapter.dSae()));
        adapter.architecture().forEach((k, v) -> meta.put(k, String.valueOf(v)));
        Path file = dir.resolve(FILE);
        SafeTensors.writeArrays(file, adapter.parameters(), meta);
        return file;
    }

    /** Loads {@code path} (a directory holding adapter.safetensors, or the file itself). */
    public static Adapter load(NDManager parent, Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE) : path;
        SafeTensors.File f = SafeTensors.read(file);
        Map<String, String> meta = f.metadata() == null ? Map.of() : f.metadata();
        String sv = required(file, meta, "schema_version");
        if (!SCHEMA_VERSION.equals(sv)) {
            throw new TensorFormatException(file + ": unsupported adapter schema_version " + sv + " (expected " + SCHEMA_VERSION + ")");
        }
        AdapterKind kind;
        try {
            kind = AdapterKind.parse(required(file, meta, "component"));
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException(file + ": " + e.getMessage(), e);
        }
        int dSae = positiveInt(file, meta, "d_sae");
        return switch (kind) {
            case SCALE -> new ScaleAdapter(parent, dSae, f.get("s", dSae).toFloatArray());
            case BIAS -> new BiasAdapter(parent, dSae, f.get("b", dSae).toFloatArray());
            case FFNN -> {
                int hidden = positiveInt(file, meta, "hidden");
                FfnnAdapter.Act act;
                try {
                    act = FfnnAdapter.Act.parse(required(file, meta, "act"));
                } catch (IllegalArgumentException e) {
                    throw new TensorFormatException(file + ": " + e.getMessage(), e);
                }
                HostTensor w1 = f.get("W1", hidden, dSae);
                HostTensor b1 = f.get("b1", hidden);
                HostTensor w2 = f.get("W2", dSae, hidden);
                HostTensor b2 = f.get("b2", dSae);
                yield new FfnnAdapter(parent, dSae, hidden, act, w1.toFloatArray(), b1.toFloatArray(), w2.toFloatArray(),
                        b2.toFloatArray());
            }
        };
    }

    private static String required(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null || v.isBlank()) {
            throw new TensorFormatException(file + ": __metadata__ has no '" + key + "' (not an isaerft adapter file?)");
        }
        return v;
    }

    private static int positiveInt(Path file, Map<String, String> meta, String key) {
        String v = required(file, meta, key);
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TensorFormatException(file + ": __metadata__ '" + key + "' must be a positive integer, found '" + v + "'");
        }
    }

    /** Host copies of the parameters (for change summaries and tests). */
    public static Map<String, float[]> snapshot(Adapter adapter) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : adapter.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().toFloatArray());
        }
        return out;
    }
}
