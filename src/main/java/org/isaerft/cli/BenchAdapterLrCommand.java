package org.isaerft.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.recovery.LrSweep;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft bench adapter-lr}: learning-rate sweep per component vs the residual steering vector (work in {@link LrSweep}). */
@Command(name = "adapter-lr", mixinStandardHelpOptions = true,
        description = {"Learning-rate sweep of scale / bias / ffnn adapters and a residual steering vector (d_model parameters, same "
                + "trainer), plus bias adapters with L1, on one task card; writes JSON (default results/adapters/lr_sweep.json)."})
public final class BenchAdapterLrCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SaeCommand.SaeOptions saeOptions = new SaeCommand.SaeOptions();

    @Option(names = "--task", defaultValue = "dogs", paramLabel = "CARD", description = "Task card (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--steps", defaultValue = "150", paramLabel = "N", description = "Adapter steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lrs", split = ",", defaultValue = "0.001,0.003,0.01,0.03,0.1", paramLabel = "LR[,LR…]",
            description = "Learning rates (default: ${DEFAULT-VALUE}).")
    List<Double> lrs;

    @Option(names = "--bias-l1", split = ",", defaultValue = "0.0001,0.001", paramLabel = "L1[,L1…]", description = "L1 values for bias (default: ${DEFAULT-VALUE}).")
    List<Double> biasL1;

    @Option(names = "--bias-l1-lr", defaultValue = "0.01", paramLabel = "LR", description = "lr of the bias L1 runs (default: ${DEFAULT-VALUE}).")
    double biasL1Lr;

    @Option(names = "--eval-windows", defaultValue = "64", paramLabel = "N", description = "Held-out windows (default: ${DEFAULT-VALUE}).")
    int evalWindows;

    @Option(names = "--out", paramLabel = "FILE", description = "Output JSON (default: results/adapters/lr_sweep.json).")
    Path out;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        TrainConfig base = TrainConfig.builder().steps(steps).batch(8).seq(128).seed(0).hidden(64).evalWindows(evalWindows).build();
        Map<String, List<Double>> grid = new LinkedHashMap<>();
        for (String c : List.of("scale", "bias", "ffnn", "steering_vector")) {
            grid.put(c, lrs);
        }
        Path file = out != null ? out : Main.home(spec).resolve("results/adapters/lr_sweep.json");
        try (ModelOptions.Opened m = modelOptions.open(); SparseAutoencoder sae = saeOptions.open(m.manager(), modelOptions.quiet)) {
            TaskDataset data = DatasetBuilder.build(TaskCards.load(task, Main.home(spec)), m.model());
            List<LrSweep.Point> pts = LrSweep.run(m.model(), sae, data, grid, biasL1, biasL1Lr, base, System.err);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("schema_version", 1);
            o.put("type", "isaerft.adapter_lr_sweep");
            o.put("command", "isaerft " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            o.put("versions", org.isaerft.util.Versions.all());
            o.put("model", modelOptions.spec());
            o.put("sae", saeOptions.sae);
            o.put("task", task);
            o.put("train_config", base);
            o.put("best_lr_by_heldout", LrSweep.best(pts));
            o.put("points", pts);
            Json.writeFile(file, o);
        }
        System.out.println("lr sweep -> " + file);
        return 0;
    }
}
