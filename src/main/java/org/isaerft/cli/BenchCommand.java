package org.isaerft.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.bench.ForwardBenchmark;
import org.isaerft.bench.SaeTrainBenchmark;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.train.SaeTrainer;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.gpt2.Gpt2Model;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code isaerft bench}: performance measurements (never tests). {@code scripts/bench.sh} runs
 * these alternately with the PyTorch-eager references in {@code benchmarks/} and writes
 * {@code results/bench/*.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Performance benchmarks (see scripts/bench.sh for the runs against the PyTorch reference).",
        subcommands = {BenchCommand.Forward.class, BenchCommand.SaeTrain.class})
public final class BenchCommand extends GroupCommand {
    static final int SCHEMA_VERSION = 1;
    /** The randomly initialised GPT-2 small shape, by name. */
    public static final String GPT2_SMALL_RANDOM = "gpt2-small-random";
    /** GPT-2 small: 12 layers, d_model 768, 12 heads, vocab 50257, n_ctx 1024. */
    public static final ModelConfig GPT2_SMALL = new ModelConfig("gpt2", 768, 12, 12, 12, 64, 3072, 50257, 1024, 1e-5, "gelu_new");

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg (empty where unavailable). */
    static List<Double> loadAverage() {
        List<Double> out = new ArrayList<>();
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            for (int i = 0; i < 3; i++) {
                out.add(Double.parseDouble(f[i]));
            }
        } catch (IOException | RuntimeException e) {
            double one = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (one >= 0) {
                out.add(one);
            }
        }
        return out;
    }

    /** Sets the engine's intra-op threads (as torch.set_num_threads) and returns the count in effect. */
    static int setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be ≥ 1, found " + threads);
        }
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library before any JNI call
        JniUtils.setNumThreads(threads);
        return JniUtils.getNumThreads();
    }

    /** {@code isaerft bench forward}: forward-pass tokens/s after warm-up. */
    /** The options and the JSON output every bench subcommand shares. */
    static final class Run {
        @Option(names = "--threads", defaultValue = "2", description = "Engine intra-op threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON result to FILE (atomically).")
        Path out;

        @Option(names = "--quiet", description = "No download progress on stderr.")
        boolean quiet;

        /** Adds engine, load average and command to {@code o}, prints it as one JSON line and writes it to --out. */
        int emit(picocli.CommandLine.Model.CommandSpec spec, Map<String, Object> o, List<Double> load) {
            o.put("engine", "DJL " + Versions.all().get("djl") + ", PyTorch " + Versions.all().get("pytorch") + " (libtorch)");
            o.put("load_average_at_start", load);
            o.put("command", "isaerft " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            if (out != null) {
                Json.writeFile(out, o);
            }
            PrintWriter w = spec.commandLine().getOut();
            w.println(Json.line(o));
            w.flush();
            return 0;
        }
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Forward-pass throughput (tokens/s) of a model on a seeded random [batch, seq] batch, after warm-up. "
                    + "Prints one JSON object; --out also writes it to a file.")
    static final class Forward implements Callable<Integer> {
        @ParentCommand
        BenchCommand parent;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", defaultValue = "stories260K", paramLabel = "SPEC",
                description = GPT2_SMALL_RANDOM + " (GPT-2 small shapes, random weights from --seed), or any --model spec of the "
                        + "other commands: a model directory or an alias such as stories260K (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--batch", defaultValue = "8", description = "Sequences per forward (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seq", defaultValue = "256", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seq;

        @Option(names = "--warmup", defaultValue = "2", description = "Untimed forwards first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--iters", defaultValue = "5", description = "Timed forwards (default: ${DEFAULT-VALUE}).")
        int iters;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the token ids and random weights (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--dump-logits", paramLabel = "FILE",
                description = "Write the benchmark batch's `tokens` [B, T] (I32) and `logits` [B, T, V] (F32) to a safetensors FILE "
                        + "(for the cross-check against the reference).")
        Path dumpLogits;

        @picocli.CommandLine.Mixin
        Run run;

        @Override
        public Integer call() {
            List<Double> load = loadAverage();
            int inEffect = setThreads(run.threads);
            ForwardBenchmark.Spec bs = new ForwardBenchmark.Spec(batch, seq, warmup, iters, seed);
            Map<String, Object> o = new LinkedHashMap<>();
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu()); LanguageModel m = open(manager, o)) {
                if (dumpLogits != null) {
                    dump(m, bs);
                }
                ForwardBenchmark.Result r = ForwardBenchmark.run(m, bs);
                o.put("schema_version", SCHEMA_VERSION);
                o.put("implementation", "isaerft");
                o.put("model", model);
                o.put("model_config", m.config());
                o.put("batch", batch);
                o.put("seq", seq);
                o.put("warmup", warmup);
                o.put("iters", iters);
                o.put("threads", inEffect);
                o.put("seconds", r.seconds());
                o.put("iter_seconds", r.iterSeconds());
                o.put("tokens_per_s", r.tokensPerSecond());
            }
            return run.emit(spec, o, load);
        }

        /** Opens the model; records where it was read from in {@code o} ({@code model_dir}). */
        private LanguageModel open(NDManager manager, Map<String, Object> o) {
            if (model.equals(GPT2_SMALL_RANDOM)) {
                o.put("model_dir", null);
                return Gpt2Model.random(GPT2_SMALL, seed, manager);
            }
            ModelOptions mo = new ModelOptions();
            mo.model = model;
            mo.quiet = run.quiet;
            Path dir = mo.resolve().dir();
            o.put("model_dir", dir.toAbsolutePath().toString());
            return mo.loader.apply(dir, manager);
        }

        private void dump(LanguageModel m, ForwardBenchmark.Spec bs) {
            int[] ids = ForwardBenchmark.tokens(bs, m.config().vocabSize());
            try (NDManager sub = m.manager().newSubManager(); NDScope scope = new NDScope()) {
                NDArray tokens = sub.create(ids, new Shape(bs.batch(), bs.seq()));              // [B, T]
                NDArray logits = m.forward(tokens, Hooks.none());                                // [B, T, V]
                Map<String, HostTensor> t = new LinkedHashMap<>();
                t.put("tokens", HostTensor.i32(new long[] {bs.batch(), bs.seq()}, ids));
                t.put("logits", HostTensor.of(logits));
                SafeTensors.write(dumpLogits, t, Map.of("model", model, "schema_version", String.valueOf(SCHEMA_VERSION)));
            }
        }
    }

    /** {@code isaerft bench sae-train}: milliseconds per SAE training step after warm-up. */
    @Command(name = "sae-train", mixinStandardHelpOptions = true,
            description = {"SAE training step time: a fresh seeded ReLU SAE trained with exactly SaeTrainer.step (forward, backward, "
                    + "Adam with global-norm clipping, decoder-row renormalisation, step metrics) on one fixed seeded [batch, seq] "
                    + "token batch; --warmup untimed steps, then --iters timed. Prints one JSON object; --out also writes it.",
                "--dump FILE first writes one step from the same start (tokens, initial and stepped parameters, losses) for "
                    + "benchmarks/reference_sae_train.py --check."})
    static final class SaeTrain implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", defaultValue = "stories260K", paramLabel = "SPEC",
                description = "A --model spec as for the other commands: a model directory or an alias (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--kind", defaultValue = "local", paramLabel = "local|e2e|e2e-downstream",
                description = "Training objective (default: ${DEFAULT-VALUE}); e2e-downstream uses every later hook_resid_pre.")
        String kind;

        @Option(names = "--hook", defaultValue = "blocks.2.hook_resid_pre", paramLabel = "HOOK",
                description = "The SAE's hook point (default: ${DEFAULT-VALUE}).")
        String hook;

        @Option(names = "--d-sae", defaultValue = "512", paramLabel = "N", description = "Latents (default: ${DEFAULT-VALUE}).")
        int dSae;

        @Option(names = "--batch", defaultValue = "8", description = "Windows per step (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seq", defaultValue = "64", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
        int seq;

        @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--iters", defaultValue = "20", description = "Timed steps (default: ${DEFAULT-VALUE}).")
        int iters;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the SAE initialisation and the token ids (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--l1", defaultValue = "1.0", paramLabel = "λ", description = "Sparsity coefficient (default: ${DEFAULT-VALUE}).")
        double l1;

        @Option(names = "--lr", defaultValue = "0.002", description = "Learning rate, constant over the run (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--dump", paramLabel = "FILE",
                description = "Write one training step from the same start to a safetensors FILE: tokens, init.* and step1.* parameters, "
                        + "losses in the metadata (for the cross-check against the reference).")
        Path dump;

        @picocli.CommandLine.Mixin
        Run run;

        @Override
        public Integer call() {
            List<Double> load = loadAverage();
            int inEffect = setThreads(run.threads);
            SaeTrainBenchmark.Spec bs = new SaeTrainBenchmark.Spec(TrainKind.parse(kind), HookPoint.parse(hook), dSae, batch, seq, warmup,
                    iters, seed, l1, lr);
            Map<String, Object> o = new LinkedHashMap<>();
            ModelOptions mo = new ModelOptions();
            mo.model = model;
            mo.quiet = run.quiet;
            try (ModelOptions.Opened opened = mo.open()) {
                LanguageModel m = opened.model();
                if (dump != null) {
                    SaeTrainBenchmark.dump(m, bs, model, dump);
                }
                SaeTrainBenchmark.Result r = SaeTrainBenchmark.run(m, bs, model);
                SaeTrainer.StepStats last = r.last();
                o.put("schema_version", SCHEMA_VERSION);
                o.put("implementation", "isaerft");
                o.put("benchmark", "sae_train");
                o.put("model", model);
                o.put("model_dir", opened.spec().dir().toAbsolutePath().toString());
                o.put("kind", bs.kind().label());
                o.put("hook", bs.hook().name());
                o.put("d_in", m.config().width(bs.hook()));
                o.put("d_sae", dSae);
                o.put("batch", batch);
                o.put("seq", seq);
                o.put("l1", l1);
                o.put("lr", lr);
                o.put("warmup", warmup);
                o.put("iters", iters);
                o.put("threads", inEffect);
                o.put("step_ms", r.medianStepMs());
                o.put("mean_step_ms", r.meanStepMs());
                o.put("cpu_ms_per_step", Double.isNaN(r.cpuMsPerStep()) ? null : r.cpuMsPerStep());
                o.put("iter_seconds", r.iterSeconds());
                o.put("seconds", r.seconds());
                o.put("last_loss", last.loss());
            }
            return run.emit(spec, o, load);
        }
    }
}
