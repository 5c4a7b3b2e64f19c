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

    @Mixin
    PlantedTaskOptions planted;

    @Option(names = "--sweep", split = ",", paramLabel = "S[,S…]", description = "Sweep strengths (default 1,8).")
    List<Double> sweep;

    @Option(names = "--sweep-tasks", paramLabel = "N", description = "Tasks the sweep runs on (default 6).")
    Integer sweepTasks;

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
        Map<String, String> specs = planted.specs(Main.home(spec));
        RecoveryOptions.Builder b = planted.builder(modelOptions.spec(), Main.home(spec), Main.home(spec).resolve("results/recovery"));
        if (sweep != null) b.sweep(sweep);
        if (sweepTasks != null) b.sweepTasks(sweepTasks);
        b.label(planted.label(spec));
        RecoveryOptions o = b.build();
        PlantedTaskOptions.withModelAndSaes(specs, modelOptions, Main.home(spec), (model, saes) -> {
            RecoveryBenchmark.Result r = RecoveryBenchmark.run(o, model, saes, System.err, true);
            RecoveryBenchmark.write(r);
            System.out.println("recovery: " + r.runs().size() + " runs in " + Math.round(r.seconds()) + " s -> " + o.out());
        });
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
}
