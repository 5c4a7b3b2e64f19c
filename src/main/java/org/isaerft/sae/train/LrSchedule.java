package org.isaerft.sae.train;

/**
 * Learning rate per step: linear warmup from {@code lr/warmupSteps} to {@code lr} over the first
 * {@code warmupSteps} steps, then cosine decay to {@code minFraction·lr} at the last step (as in
 * e2e_sae: warmup then cosine to 10%).
 *
 * @param lr          peak learning rate
 * @param warmupSteps steps of linear warmup (0 = none)
 * @param totalSteps  total optimiser steps
 * @param minFraction final lr as a fraction of the peak, in [0, 1]
 */
public record LrSchedule(double lr, int warmupSteps, int totalSteps, double minFraction) {
    public LrSchedule {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be > 0, found " + lr);
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("total steps must be > 0, found " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmup steps must be in 0.." + totalSteps + ", found " + warmupSteps);
        }
        if (!(minFraction >= 0 && minFraction <= 1)) {
            throw new IllegalArgumentException("final lr fraction must be in [0, 1], found " + minFraction);
        }
    }

    /** The learning rate of (0-based) step {@code step}. */
    public double at(int step) {
        if (step < 0 || step >= totalSteps) {
            throw new IllegalArgumentException("step " + step + " outside 0.." + (totalSteps - 1));
        }
        if (step < warmupSteps) {
            return lr * (step + 1) / warmupSteps;
        }
        int decay = totalSteps - warmupSteps;
        double progress = decay <= 1 ? 1.0 : (step - warmupSteps) / (double) (decay - 1);
        double cos = 0.5 * (1 + Math.cos(Math.PI * progress));
        return lr * (minFraction + (1 - minFraction) * cos);
    }
}
