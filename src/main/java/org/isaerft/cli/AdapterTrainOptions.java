package org.isaerft.cli;

import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.FfnnAdapter;
import org.isaerft.adapter.TrainConfig;
import picocli.CommandLine.Option;

/** Adapter hyperparameters shared by {@code adapter train} and {@code adapter suite}. */
final class AdapterTrainOptions {
    @Option(names = "--hidden", defaultValue = "64", paramLabel = "H", description = "FFNN hidden width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--act", defaultValue = "relu", paramLabel = "relu|gelu", description = "FFNN nonlinearity (default: ${DEFAULT-VALUE}).")
    String act;

    @Option(names = "--l1", defaultValue = "0", paramLabel = "λ", description = "L1 penalty λ·Σ|θ| on adapter parameters (default: ${DEFAULT-VALUE}).")
    double l1;

    @Option(names = "--steps", defaultValue = "200", paramLabel = "N", description = "Optimizer steps per adapter (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq", defaultValue = "128", paramLabel = "T", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the FFNN init and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-windows", defaultValue = "64", paramLabel = "N",
            description = "Held-out windows for the task loss and the change summary (default: ${DEFAULT-VALUE}).")
    int evalWindows;

    /** A training config of {@code component} with learning rate {@code lr} and these options. */
    TrainConfig.Builder config(AdapterKind component, double lr) {
        return TrainConfig.builder().component(component).hidden(hidden).act(FfnnAdapter.Act.parse(act)).l1(l1).lr(lr).steps(steps)
                .batch(batch).seq(seq).seed(seed).evalWindows(evalWindows);
    }
}
