package org.isaerft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.gpt2.Gpt2Model;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;

/**
 * Forward-pass throughput of a {@link LanguageModel}: a fixed [batch, seq] batch of seeded random
 * token ids is run {@code warmup} times untimed, then {@code iters} times timed; each pass runs in
 * its own {@link NDScope} and its logits are closed before the next. The PyTorch engine executes
 * eagerly and synchronously on CPU, so the wall time of {@code forward} is the compute time.
 */
public final class ForwardBenchmark {
    /** The randomly initialised GPT-2 small shape, by name. */
    public static final String GPT2_SMALL_RANDOM = "gpt2-small-random";
    /** GPT-2 small: 12 layers, d_model 768, 12 heads, vocab 50257, n_ctx 1024. */
    public static final ModelConfig GPT2_SMALL = new ModelConfig("gpt2", 768, 12, 12, 12, 64, 3072, 50257, 1024, 1e-5, "gelu_new");

    private ForwardBenchmark() {}

    /** GPT-2 small shapes with random weights from {@code seed} ({@link #GPT2_SMALL_RANDOM}). */
    public static LanguageModel gpt2SmallRandom(long seed, NDManager manager) {
        return Gpt2Model.random(GPT2_SMALL, seed, manager);
    }

    /**
     * Writes the benchmark batch's {@code tokens} [B, T] (I32) and {@code logits} [B, T, V] (F32) to a safetensors file, for the
     * cross-check against the reference.
     */
    public static void dump(LanguageModel m, Spec spec, String modelName, Path file) {
        int[] ids = tokens(spec, m.config().vocabSize());
        try (NDManager sub = m.manager().newSubManager(); NDScope scope = new NDScope()) {
            NDArray tokens = sub.create(ids, new Shape(spec.batch(), spec.seq()));           // [B, T]
            NDArray logits = m.forward(tokens, Hooks.none());                                // [B, T, V]
            Map<String, HostTensor> t = new LinkedHashMap<>();
            t.put("tokens", HostTensor.i32(new long[] {spec.batch(), spec.seq()}, ids));
            t.put("logits", HostTensor.of(logits));
            SafeTensors.write(file, t, Map.of("model", modelName, "schema_version", String.valueOf(BenchHost.SCHEMA_VERSION)));
        }
    }

    /**
     * The benchmark's JSON output (before {@link BenchHost#finish}).
     *
     * @param modelDir where the model was read from (null for random weights)
     */
    public static Map<String, Object> report(String modelName, Path modelDir, ModelConfig config, int threads, Result r) {
        Spec s = r.spec();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model_dir", modelDir == null ? null : modelDir.toAbsolutePath().toString());
        o.put("schema_version", BenchHost.SCHEMA_VERSION);
        o.put("implementation", "isaerft");
        o.put("model", modelName);
        o.put("model_config", config);
        o.put("batch", s.batch());
        o.put("seq", s.seq());
        o.put("warmup", s.warmup());
        o.put("iters", s.iters());
        o.put("threads", threads);
        o.put("seconds", r.seconds());
        o.put("iter_seconds", r.iterSeconds());
        o.put("tokens_per_s", r.tokensPerSecond());
        return o;
    }

    /** What to run. */
    public record Spec(int batch, int seq, int warmup, int iters, long seed) {
        public Spec {
            if (batch < 1 || seq < 1) {
                throw new IllegalArgumentException("batch and seq must be ≥ 1, found batch=" + batch + " seq=" + seq);
            }
            if (warmup < 0 || iters < 1) {
                throw new IllegalArgumentException("warmup must be ≥ 0 and iters ≥ 1, found warmup=" + warmup + " iters=" + iters);
            }
        }

        public long tokensPerForward() {
            return (long) batch * seq;
        }
    }

    /** Timings of the timed passes, in seconds. */
    public record Result(Spec spec, List<Double> iterSeconds) {
        public Result {
            iterSeconds = List.copyOf(iterSeconds);
            if (iterSeconds.size() != spec.iters()) {
                throw new IllegalArgumentException("expected " + spec.iters() + " timings, found " + iterSeconds.size());
            }
        }

        public double seconds() {
            return iterSeconds.stream().mapToDouble(Double::doubleValue).sum();
        }

        public double tokensPerSecond() {
            return spec.tokensPerForward() * spec.iters() / seconds();
        }
    }

    /** The benchmark's input: ids uniform in [0, vocab) from {@code seed}, row-major [batch, seq]. */
    public static int[] tokens(Spec spec, int vocab) {
        SplittableRandom rng = new SplittableRandom(spec.seed());
        int[] ids = new int[Math.toIntExact(spec.tokensPerForward())];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        return ids;
    }

    /** Runs the benchmark on {@code model} (arrays are made in a sub-manager of the model's manager). */
    public static Result run(LanguageModel model, Spec spec) {
        int[] ids = tokens(spec, model.config().vocabSize());
        List<Double> times = new ArrayList<>();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray tokens = m.create(ids, new Shape(spec.batch(), spec.seq()));                 // [B, T] int32
            for (int i = 0; i < spec.warmup() + spec.iters(); i++) {
                long t0 = System.nanoTime();
                try (NDScope scope = new NDScope()) {
                    NDArray logits = model.forward(tokens, Hooks.none());                        // [B, T, V]
                    if (logits == null) {
                        throw new IllegalStateException("forward returned no logits");
                    }
                }
                long t1 = System.nanoTime();
                if (i >= spec.warmup()) {
                    times.add((t1 - t0) / 1e9);
                }
            }
        }
        return new Result(spec, times);
    }
}
