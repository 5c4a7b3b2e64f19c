package org.isaerft.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.bench.BenchHost;
import org.isaerft.bench.ForwardBenchmark;
import org.isaerft.bench.SaeTrainBenchmark;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.model.LanguageModel;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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
            BenchHost.finish(o, load, "isaerft " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            if (out != null) {
                Json.writeFile(out, o);
            }
            PrintWriter w = spec.commandLine().getOut();
            w.println(Json.line(o));
            w.flush();
            return 0;
        }
    }

    /** {@code isaerft bench forward}: forward-pass tokens/s after warm-up. */
    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Forward-pass throughput (tokens/s) of a model on a seeded random [batch, seq] batch, after warm-up. "
                    + "Prints one JSON object; --out also writes it to a file.")
    static final class Forward implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", defaultValue = "stories260K", paramLabel = "SPEC",
                description = ForwardBenchmark.GPT2_SMALL_RANDOM + " (GPT-2 small shapes, random weights from --seed), or any --model spec of the "
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
            List<Double> load = BenchHost.loadAverage();
            int inEffect = BenchHost.setThreads(run.threads);
            ForwardBenchmark.Spec bs = new ForwardBenchmark.Spec(batch, seq, warmup, iters, seed);
            Map<String, Object> o;
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                Path dir = null;
                LanguageModel m;
                if (model.equals(ForwardBenchmark.GPT2_SMALL_RANDOM)) {
                    m = ForwardBenchmark.gpt2SmallRandom(seed, manager);
                } else {
                    ModelOptions mo = ModelOptions.of(model, run.quiet, Main.home(spec));
                    dir = mo.resolve().dir();
                    m = mo.loader.apply(dir, manager);
                }
                try (m) {
                    if (dumpLogits != null) {
                        ForwardBenchmark.dump(m, bs, model, dumpLogits);
                    }
                    o = ForwardBenchmark.report(model, dir, m.config(), inEffect, ForwardBenchmark.run(m, bs));
                }
            }
            return run.emit(spec, o, load);
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
            List<Double> load = BenchHost.loadAverage();
            int inEffect = BenchHost.setThreads(run.threads);
            SaeTrainBenchmark.Spec bs = new SaeTrainBenchmark.Spec(TrainKind.parse(kind), HookPoint.parse(hook), dSae, batch, seq, warmup,
                    iters, seed, l1, lr);
            Map<String, Object> o;
            try (ModelOptions.Opened opened = ModelOptions.of(model, run.quiet, Main.home(spec)).open()) {
                LanguageModel m = opened.model();
                if (dump != null) {
                    SaeTrainBenchmark.dump(m, bs, model, dump);
                }
                o = SaeTrainBenchmark.report(model, opened.spec().dir(), m, inEffect, SaeTrainBenchmark.run(m, bs, model));
            }
            return run.emit(spec, o, load);
        }
    }
}
