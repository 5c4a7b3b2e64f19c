package org.isaerft.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.recovery.RecoveryBenchmark;
import org.isaerft.recovery.RecoveryOptions;
import org.isaerft.sae.SparseAutoencoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft bench recovery}: the planted-latent benchmark (thin: the work is in {@link RecoveryBenchmark}). */
@Command(name = "recovery", mixinStandardHelpOptions = true,
        description = {"Known-answer benchmark: plant SAE latents' residual directions by steered sampling, train adapters on every SAE "
                + "and component, rank each SAE's right answer; writes OUT/recovery.json and OUT/summary.json."})
public final class BenchRecoveryCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--sae", paramLabel = "NAME=SPEC", description = "SAEs (repeatable; default local, e2e, e2e-downstream from results/sae/stories260K).")
    List<String> saes;

    @Option(names = "--quick", description = "CI-sized run: 3 tasks, 1 seed, short texts and training.")
    boolean quick;

    @Option(names = "--tasks", paramLabel = "N", description = "Planted tasks (default 21; quick 3).")
    Integer tasks;

    @Option(names = "--seeds", split = ",", paramLabel = "K[,K…]", description = "Seeds (default 0,1; quick 0).")
    List<Long> seeds;

    @Option(names = "--strength", paramLabel = "S", description = "Main strength (default 4).")
    Double strength;

    @Option(names = "--sweep", split = ",", paramLabel = "S[,S…]", description = "Sweep strengths (default 1,8).")
    List<Double> sweep;

    @Option(names = "--sweep-tasks", paramLabel = "N", description = "Tasks the sweep runs on (default 6).")
    Integer sweepTasks;

    @Option(names = "--documents", paramLabel = "N", description = "Documents per card (default 32).")
    Integer documents;

    @Option(names = "--steps", paramLabel = "N", description = "Adapter steps (default 60).")
    Integer steps;

    @Option(names = "--max-new-tokens", paramLabel = "T", description = "Tokens per document (default 96).")
    Integer maxNewTokens;

    @Option(names = "--components", split = ",", paramLabel = "C[,C…]", description = "Components (default scale,bias,ffnn).")
    List<String> components;

    @Option(names = "--lr", split = ",", paramLabel = "C=LR[,C=LR…]", description = "Learning rate per component (default: TrainConfig.defaultLr).")
    List<String> lrs;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default results/recovery).")
    Path out;

    @Option(names = "--label", paramLabel = "TEXT", description = "Label written into the results.")
    String label;

    @Option(names = "--reanalyse", paramLabel = "RECOVERY_JSON",
            description = "Do not train: re-run the analysis on the runs of an existing recovery.json and rewrite it (and summary.json) in place.")
    Path reanalyse;

    @Override
    public Integer call() {
        if (reanalyse != null) {
            RecoveryBenchmark.write(RecoveryBenchmark.read(reanalyse, reanalyse.toAbsolutePath().getParent()));
            System.out.println("recovery: re-analysed " + reanalyse);
            return 0;
        }
        Map<String, String> specs = new LinkedHashMap<>();
        if (saes == null || saes.isEmpty()) {
            for (String n : List.of("local", "e2e", "e2e-downstream")) {
                specs.put(n, Main.home(spec).resolve("results/sae/stories260K/" + n).toString());
            }
        } else {
            for (String s : saes) {
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--sae: expected NAME=SPEC, found '" + s + "'");
                }
                specs.put(s.substring(0, eq), s.substring(eq + 1));
            }
        }
        RecoveryOptions.Builder b = RecoveryOptions.builder().modelSpec(modelOptions.spec()).saes(specs)
                .scanCorpus(Main.home(spec).shared().resolve("corpora/tinystories/tinystories-sample.txt"))
                .out(out != null ? out : Main.home(spec).resolve("results/recovery"));
        if (quick) {
            b.quick();
        }
        if (tasks != null) b.tasks(tasks);
        if (seeds != null) b.seeds(seeds);
        if (strength != null) b.strength(strength);
        if (sweep != null) b.sweep(sweep);
        if (sweepTasks != null) b.sweepTasks(sweepTasks);
        if (documents != null) b.documents(documents);
        if (steps != null) b.steps(steps);
        if (maxNewTokens != null) b.maxNewTokens(maxNewTokens);
        if (components != null) {
            List<AdapterKind> ks = new ArrayList<>();
            for (String c : components) {
                ks.add(AdapterKind.valueOf(c.trim().toUpperCase(java.util.Locale.ROOT)));
            }
            b.components(ks);
        }
        if (lrs != null) {
            Map<AdapterKind, Double> m = RecoveryOptions.defaultLr();
            for (String e : lrs) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--lr: expected COMPONENT=LR, found '" + e + "'");
                }
                m.put(AdapterKind.valueOf(e.substring(0, eq).trim().toUpperCase(java.util.Locale.ROOT)), Double.parseDouble(e.substring(eq + 1)));
            }
            b.lr(m);
        }
        b.label((label != null ? label + "; " : "") + "command: isaerft " + String.join(" ", commandArgs()));
        RecoveryOptions o = b.build();
        Map<String, SparseAutoencoder> opened = new LinkedHashMap<>();
        try (ModelOptions.Opened m = modelOptions.open()) {
            try {
                for (var e : specs.entrySet()) {
                    opened.put(e.getKey(), SaeCommand.openSae(e.getValue(), null, null, m.manager(), modelOptions.quiet, Main.home(spec)));
                }
                RecoveryBenchmark.Result r = RecoveryBenchmark.run(o, m.model(), opened, System.err, true);
                RecoveryBenchmark.write(r);
                System.out.println("recovery: " + r.runs().size() + " runs in " + Math.round(r.seconds()) + " s -> " + o.out());
            } finally {
                opened.values().forEach(SparseAutoencoder::close);
            }
        }
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private List<String> commandArgs() {
        return spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
    }
}
