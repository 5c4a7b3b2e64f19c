package org.isaerft.sae.train;

/**
 * What a training run ended with. Loss parts and L0 are means over the last logging interval
 * ({@code intervalSteps} steps); {@code kl} / {@code downstreamMse} are null for kinds that do not
 * compute them. {@code alive}/{@code dead} follow {@link SaeTrainer#deadLatents()}.
 */
public record TrainResult(
        int steps,
        long tokens,
        double seconds,
        double tokensPerSecond,
        double loss,
        Double kl,
        double mse,
        Double downstreamMse,
        double sparsity,
        double l0,
        int alive,
        int dead,
        int intervalSteps) {}
