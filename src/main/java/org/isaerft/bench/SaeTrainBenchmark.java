package org.isaerft.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.isaerft.data.Batch;
import org.isaerft.data.Window;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.train.SaeTrainer;
import org.isaerft.sae.train.SaeTrainConfig;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;

/**
 * SAE training step time: a freshly initialised, seeded SAE is trained with
 * {@link SaeTrainer#step} (forward, backward, Adam with global-norm clipping, decoder-row
 * renormalisation, metrics: exactly what {@code isaerft sae train} runs per step) on one fixed
 * [batch, seq] batch of seeded random token ids; {@code warmup} steps untimed, then {@code iters}
 * timed. The PyTorch engine runs eagerly and synchronously on CPU, so a step's wall time is its
 * compute time.
 *
 * <p>{@link #dump} writes what the PyTorch reference ({@code benchmarks/reference_sae_train.py
 * --check}) needs to redo the first step from the same start: the tokens, the initial parameters,
 * the parameters and losses after one step, and the configuration.
 */
public final class SaeTrainBenchmark {
    /** {@code type} in the dump's metadata. */
    public static final String DUMP_TYPE = "sae_train_bench_dump";
    public static final int DUMP_SCHEMA_VERSION = 1;

    private SaeTrainBenchmark() {}

    /**
     * What to run.
     *
     * @param kind   training objective
     * @param hook   the SAE's hook point
     * @param dSae   latents
     * @param batch  windows per step
     * @param seq    tokens per window
     * @param warmup untimed steps first
     * @param iters  timed steps
     * @param seed   seeds the SAE's initialisation and the token ids
     * @param l1     λ
     * @param lr     learning rate (constant: no warmup; the cosine decay spans many more steps than are run)
     */
    public record Spec(TrainKind kind, HookPoint hook, int dSae, int batch, int seq, int warmup, int iters, long seed, double l1,
                       double lr) {
        public Spec {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(hook, "hook");
            if (dSae < 1 || batch < 1 || seq < 2) {
                throw new IllegalArgumentException("d_sae and batch must be ≥ 1 and seq ≥ 2, found d_sae=" + dSae + " batch=" + batch
                        + " seq=" + seq);
            }
            if (warmup < 0 || iters < 1) {
                throw new IllegalArgumentException("warmup must be ≥ 0 and iters ≥ 1, found warmup=" + warmup + " iters=" + iters);
            }
        }

        public long tokensPerStep() {
            return (long) batch * seq;
        }

        /** The trainer configuration: enough tokens for warmup + iters steps, no lr warmup, no checkpoints. */
        public SaeTrainConfig trainConfig(LanguageModel model) {
            List<HookPoint> downstream = SaeTrainConfig.defaultDownstreamHooks(kind, hook, model.hookPoints());
            // 1000 more steps than run: the cosine schedule barely moves over the benchmark
            long steps = warmup + iters + 1000L;
            return SaeTrainConfig.builder(kind, hook, dSae).l1(l1).lr(lr).batch(batch).seq(seq).tokens(steps * tokensPerStep())
                    .warmupSteps(0).seed(seed).checkpointEvery(0).logEvery(Integer.MAX_VALUE).downstreamHooks(downstream).build();
        }
    }

    /**
     * Timings of the timed steps: wall seconds per step, the process CPU seconds of all timed steps
     * (every thread: engine, JIT, GC; NaN where the JVM cannot tell), and the last step's statistics.
     */
    public record Result(Spec spec, List<Double> iterSeconds, double cpuSeconds, SaeTrainer.StepStats last) {
        public Result {
            iterSeconds = List.copyOf(iterSeconds);
            if (iterSeconds.size() != spec.iters()) {
                throw new IllegalArgumentException("expected " + spec.iters() + " timings, found " + iterSeconds.size());
            }
        }

        public double seconds() {
            return iterSeconds.stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Median step time in milliseconds. */
        public double medianStepMs() {
            double[] s = iterSeconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = s.length;
            return 1e3 * (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
        }

        public double meanStepMs() {
            return 1e3 * seconds() / iterSeconds.size();
        }

        /** Process CPU milliseconds per timed step (less sensitive than wall time to other processes' load). */
        public double cpuMsPerStep() {
            return 1e3 * cpuSeconds / iterSeconds.size();
        }
    }

    /** The fixed batch: ids uniform in [0, vocab) from the spec's seed (as {@link ForwardBenchmark#tokens}). */
    public static Batch batch(Spec spec, int vocab) {
        int[] ids = ForwardBenchmark.tokens(new ForwardBenchmark.Spec(spec.batch(), spec.seq(), 0, 1, spec.seed()), vocab);
        List<Window> rows = new ArrayList<>();
        for (int i = 0; i < spec.batch(); i++) {
            int[] row = java.util.Arrays.copyOfRange(ids, i * spec.seq(), (i + 1) * spec.seq());
            rows.add(new Window(row, i, 0));
        }
        return new Batch(rows);
    }

    /** Runs the benchmark on {@code model}: warmup + iters training steps of a fresh SAE. */
    public static Result run(LanguageModel model, Spec spec, String modelName) {
        Batch b = batch(spec, model.config().vocabSize());
        List<Double> times = new ArrayList<>();
        SaeTrainer.StepStats last = null;
        long cpu0 = 0;
        try (SaeTrainer t = SaeTrainer.start(model, spec.trainConfig(model), "bench", modelName)) {
            for (int i = 0; i < spec.warmup() + spec.iters(); i++) {
                if (i == spec.warmup()) {
                    cpu0 = processCpuNanos();
                }
                long t0 = System.nanoTime();
                last = t.step(b);
                long t1 = System.nanoTime();
                if (i >= spec.warmup()) {
                    times.add((t1 - t0) / 1e9);
                }
            }
        }
        long cpu1 = processCpuNanos();
        return new Result(spec, times, cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9, last);
    }

    /** CPU time of the whole process in nanoseconds, or -1 where unavailable. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * One step from a fresh SAE, written to {@code file} (safetensors, atomically): {@code tokens}
     * [B, T] I32, {@code init.NAME} and {@code step1.NAME} for W_enc [d_in, d_sae], b_enc [d_sae],
     * W_dec [d_sae, d_in] (rows unit-norm), b_dec [d_in]; metadata {@code type}, {@code schema_version},
     * {@code config} (the trainer configuration, JSON) and {@code step} (the step's lr, losses,
     * L0 and gradient norm, JSON). Returns the step's statistics.
     */
    public static SaeTrainer.StepStats dump(LanguageModel model, Spec spec, String modelName, Path file) {
        Batch b = batch(spec, model.config().vocabSize());
        SaeTrainConfig cfg = spec.trainConfig(model);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("tokens", HostTensor.i32(new long[] {b.size(), b.seqLen()}, b.flatTokens()));
        SaeTrainer.StepStats s;
        try (SaeTrainer tr = SaeTrainer.start(model, cfg, "bench", modelName)) {
            tr.sae().hostWeights().forEach((k, v) -> t.put("init." + k, v));
            s = tr.step(b);
            tr.sae().hostWeights().forEach((k, v) -> t.put("step1." + k, v));
        }
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("lr", s.lr());
        step.put("loss", s.loss());
        step.put("kl", Double.isNaN(s.kl()) ? null : s.kl());
        step.put("mse", s.mse());
        step.put("downstream", Double.isNaN(s.downstream()) ? null : s.downstream());
        step.put("sparsity", s.sparsity());
        step.put("l0", s.l0());
        step.put("grad_norm", s.gradNorm());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema_version", String.valueOf(DUMP_SCHEMA_VERSION));
        meta.put("type", DUMP_TYPE);
        meta.put("model", modelName);
        meta.put("config", Json.line(cfg.toMap()));
        meta.put("step", Json.line(step));
        SafeTensors.write(file, t, meta);
        return s;
    }

    /** The benchmark's JSON output (before {@link BenchHost#finish}). */
    public static Map<String, Object> report(String modelName, Path modelDir, LanguageModel m, int threads, Result r) {
        Spec bs = r.spec();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("schema_version", BenchHost.SCHEMA_VERSION);
        o.put("implementation", "isaerft");
        o.put("benchmark", "sae_train");
        o.put("model", modelName);
        o.put("model_dir", modelDir.toAbsolutePath().toString());
        o.put("kind", bs.kind().label());
        o.put("hook", bs.hook().name());
        o.put("d_in", m.config().width(bs.hook()));
        o.put("d_sae", bs.dSae());
        o.put("batch", bs.batch());
        o.put("seq", bs.seq());
        o.put("l1", bs.l1());
        o.put("lr", bs.lr());
        o.put("warmup", bs.warmup());
        o.put("iters", bs.iters());
        o.put("threads", threads);
        o.put("step_ms", r.medianStepMs());
        o.put("mean_step_ms", r.meanStepMs());
        o.put("cpu_ms_per_step", Double.isNaN(r.cpuMsPerStep()) ? null : r.cpuMsPerStep());
        o.put("iter_seconds", r.iterSeconds());
        o.put("seconds", r.seconds());
        o.put("last_loss", r.last().loss());
        return o;
    }
}
