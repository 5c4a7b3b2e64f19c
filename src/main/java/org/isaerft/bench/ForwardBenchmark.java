package org.isaerft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;

/**
 * Forward-pass throughput of a {@link LanguageModel}: a fixed [batch, seq] batch of seeded random
 * token ids is run {@code warmup} times untimed, then {@code iters} times timed; each pass runs in
 * its own {@link NDScope} and its logits are closed before the next. The PyTorch engine executes
 * eagerly and synchronously on CPU, so the wall time of {@code forward} is the compute time.
 */
public final class ForwardBenchmark {
    private ForwardBenchmark() {}

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
