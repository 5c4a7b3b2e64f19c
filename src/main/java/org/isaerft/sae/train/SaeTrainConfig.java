package org.isaerft.sae.train;

import java.util.List;
import java.util.Objects;
import org.isaerft.model.HookPoint;

/**
 * What to train and how. Defaults follow e2e_sae (Braun et al. 2024) where they apply: Adam
 * (β 0.9/0.999, eps 1e-8), lr 5e-4, linear warmup then cosine decay to 10%, gradient clipping at
 * global norm 10, e2e+downstream coefficients KL 0.5 and downstream MSE 2.5 in total.
 *
 * @param kind               objective
 * @param hook               where the SAE reads and writes
 * @param dSae               number of latents
 * @param l1                 λ, the sparsity coefficient
 * @param tokens             training tokens (rounded up to whole steps of batch × seq)
 * @param batch              windows per step
 * @param seq                tokens per window
 * @param lr                 peak learning rate
 * @param warmupSteps        linear warmup steps
 * @param minLrFraction      final learning rate as a fraction of lr
 * @param maxGradNorm        global-norm clipping threshold (0 = off)
 * @param seed               seeds initialisation and data order
 * @param initDecoderNorm    norm of the (tied) initial encoder columns / decoder rows
 * @param klCoeff            coefficient of KL (e2e: 1 by default; e2e-downstream: 0.5)
 * @param downstreamCoeff    total coefficient of the downstream MSEs, split evenly over {@code downstreamHooks}
 * @param downstreamHooks    later hook points compared in e2e-downstream (empty for other kinds)
 * @param deadWindowTokens   a latent is dead when it has not fired in this many most recent training tokens
 * @param checkpointEvery    steps between checkpoints (0 = only at the end)
 * @param logEvery           steps between progress lines
 * @param shuffleBuffer      windows in the seeded shuffle buffer
 */
public record SaeTrainConfig(
        TrainKind kind,
        HookPoint hook,
        int dSae,
        double l1,
        long tokens,
        int batch,
        int seq,
        double lr,
        int warmupSteps,
        double minLrFraction,
        double maxGradNorm,
        long seed,
        double initDecoderNorm,
        double klCoeff,
        double downstreamCoeff,
        List<HookPoint> downstreamHooks,
        long deadWindowTokens,
        int checkpointEvery,
        int logEvery,
        int shuffleBuffer) {
    public SaeTrainConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(hook, "hook");
        if (dSae <= 0) {
            throw new IllegalArgumentException("d_sae must be positive, found " + dSae);
        }
        if (!(l1 >= 0) || Double.isInfinite(l1)) {
            throw new IllegalArgumentException("λ (--l1) must be a finite number >= 0, found " + l1);
        }
        if (tokens <= 0 || batch <= 0 || seq < 2) {
            throw new IllegalArgumentException("tokens and batch must be positive and seq >= 2, found tokens " + tokens + " batch " + batch
                    + " seq " + seq);
        }
        if (warmupSteps < 0 || !(maxGradNorm >= 0) || !(initDecoderNorm > 0) || !(klCoeff >= 0) || !(downstreamCoeff >= 0)) {
            throw new IllegalArgumentException("warmup, grad clip, KL and downstream coefficients must be >= 0 and the init norm > 0");
        }
        if (deadWindowTokens <= 0 || checkpointEvery < 0 || logEvery <= 0 || shuffleBuffer < 0) {
            throw new IllegalArgumentException("dead window and log interval must be positive; checkpoint interval and shuffle buffer >= 0");
        }
        downstreamHooks = List.copyOf(downstreamHooks == null ? List.of() : downstreamHooks);
        if (kind == TrainKind.E2E_DOWNSTREAM && downstreamHooks.isEmpty()) {
            throw new IllegalArgumentException("e2e-downstream training needs at least one downstream hook after " + hook);
        }
        if (kind != TrainKind.E2E_DOWNSTREAM && !downstreamHooks.isEmpty()) {
            throw new IllegalArgumentException("downstream hooks are only used by e2e-downstream training, not " + kind);
        }
        for (HookPoint h : downstreamHooks) {
            if (h.order() <= hook.order()) {
                throw new IllegalArgumentException("downstream hook " + h + " is not after the SAE's hook " + hook);
            }
        }
    }

    /** Optimiser steps: ceil(tokens / (batch · seq)). */
    public int steps() {
        long per = (long) batch * seq;
        return Math.toIntExact((tokens + per - 1) / per);
    }

    public LrSchedule schedule() {
        return new LrSchedule(lr, Math.min(warmupSteps, steps()), steps(), minLrFraction);
    }

    /** The configuration as snake_case JSON-ready values (hooks by TransformerLens name). */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("kind", kind.label());
        m.put("hook", hook.name());
        m.put("d_sae", dSae);
        m.put("l1", l1);
        m.put("tokens", tokens);
        m.put("steps", steps());
        m.put("batch", batch);
        m.put("seq", seq);
        m.put("lr", lr);
        m.put("warmup_steps", warmupSteps);
        m.put("min_lr_fraction", minLrFraction);
        m.put("max_grad_norm", maxGradNorm);
        m.put("seed", seed);
        m.put("init_decoder_norm", initDecoderNorm);
        m.put("kl_coeff", kind == TrainKind.LOCAL ? 0.0 : klCoeff);
        m.put("downstream_coeff", kind == TrainKind.E2E_DOWNSTREAM ? downstreamCoeff : 0.0);
        m.put("downstream_hooks", downstreamHooks.stream().map(HookPoint::name).toList());
        m.put("dead_window_tokens", deadWindowTokens);
        m.put("checkpoint_every", checkpointEvery);
        m.put("log_every", logEvery);
        m.put("shuffle_buffer", shuffleBuffer);
        return m;
    }

    /**
     * The downstream hooks of an SAE at {@code hook} when none are given: for {@link TrainKind#E2E_DOWNSTREAM} every later
     * {@code hook_resid_pre} of the model ({@code modelHooks}, in order), else none.
     */
    public static List<HookPoint> defaultDownstreamHooks(TrainKind kind, HookPoint hook, List<HookPoint> modelHooks) {
        if (kind != TrainKind.E2E_DOWNSTREAM) {
            return List.of();
        }
        return modelHooks.stream().filter(p -> p.site().equals(HookPoint.RESID_PRE) && p.order() > hook.order()).toList();
    }

    public static Builder builder(TrainKind kind, HookPoint hook, int dSae) {
        return new Builder(kind, hook, dSae);
    }

    /** Builder with the defaults listed on {@link SaeTrainConfig}. */
    public static final class Builder {
        private final TrainKind kind;
        private final HookPoint hook;
        private int dSae;
        private double l1 = 1.0;
        private long tokens = 1_000_000;
        private int batch = 8;
        private int seq = 128;
        private double lr = 5e-4;
        private int warmupSteps = 100;
        private double minLrFraction = 0.1;
        private double maxGradNorm = 10;
        private long seed;
        private double initDecoderNorm = 0.1;
        private Double klCoeff;
        private double downstreamCoeff = 2.5;
        private List<HookPoint> downstreamHooks = List.of();
        private long deadWindowTokens = 500_000;
        private int checkpointEvery = 500;
        private int logEvery = 50;
        private int shuffleBuffer = 4096;

        private Builder(TrainKind kind, HookPoint hook, int dSae) {
            this.kind = kind;
            this.hook = hook;
            this.dSae = dSae;
        }

        public Builder dSae(int v) { dSae = v; return this; }
        public Builder l1(double v) { l1 = v; return this; }
        public Builder tokens(long v) { tokens = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder seq(int v) { seq = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        public Builder minLrFraction(double v) { minLrFraction = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder initDecoderNorm(double v) { initDecoderNorm = v; return this; }
        public Builder klCoeff(double v) { klCoeff = v; return this; }
        public Builder downstreamCoeff(double v) { downstreamCoeff = v; return this; }
        public Builder downstreamHooks(List<HookPoint> v) { downstreamHooks = v; return this; }
        public Builder deadWindowTokens(long v) { deadWindowTokens = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder shuffleBuffer(int v) { shuffleBuffer = v; return this; }

        public SaeTrainConfig build() {
            double kl = klCoeff != null ? klCoeff : kind == TrainKind.E2E_DOWNSTREAM ? 0.5 : 1.0;
            return new SaeTrainConfig(kind, hook, dSae, l1, tokens, batch, seq, lr, warmupSteps, minLrFraction, maxGradNorm, seed,
                    initDecoderNorm, kl, downstreamCoeff, kind == TrainKind.E2E_DOWNSTREAM ? downstreamHooks : List.of(),
                    deadWindowTokens, checkpointEvery, logEvery, shuffleBuffer);
        }
    }
}
