package org.isaerft.adapter;

import java.nio.file.Path;

/**
 * Hyperparameters of adapter training; build with {@link #builder()}.
 *
 * @param component   scale | bias | ffnn
 * @param hidden      FFNN hidden width
 * @param act         FFNN nonlinearity
 * @param l1          λ of the L1 penalty λ·Σ|θ| on adapter parameters (0 = off)
 * @param lr          Adam learning rate
 * @param steps       optimizer steps (used when epochs is 0)
 * @param epochs      passes over the training windows (overrides steps when > 0)
 * @param batch       windows per step
 * @param seq         tokens per window
 * @param seed        seeds the FFNN init and the batch order
 * @param klWeight    weight of KL(base ‖ adapted) on neutral text (0 = off)
 * @param klText      neutral text file (paragraphs), required when klWeight > 0
 * @param evalWindows cap on held-out windows used for evaluation and the change summary
 * @param logEvery    progress line every this many steps
 */
public record TrainConfig(
        AdapterKind component,
        int hidden,
        FfnnAdapter.Act act,
        double l1,
        double lr,
        int steps,
        int epochs,
        int batch,
        int seq,
        long seed,
        double klWeight,
        Path klText,
        int evalWindows,
        int logEvery) {
    public TrainConfig {
        if (component == null) {
            throw new IllegalArgumentException("--component is required (scale, bias or ffnn)");
        }
        if (component == AdapterKind.FFNN && hidden <= 0) {
            throw new IllegalArgumentException("--hidden must be positive for ffnn, found " + hidden);
        }
        if (act == null) {
            act = FfnnAdapter.Act.RELU;
        }
        if (l1 < 0 || Double.isNaN(l1)) {
            throw new IllegalArgumentException("--l1 must be >= 0, found " + l1);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, found " + lr);
        }
        if (epochs < 0 || (epochs == 0 && steps <= 0)) {
            throw new IllegalArgumentException("need --steps > 0 or --epochs > 0 (found steps=" + steps + ", epochs=" + epochs + ")");
        }
        if (batch <= 0 || seq < 2) {
            throw new IllegalArgumentException("--batch must be > 0 and --seq >= 2, found batch=" + batch + " seq=" + seq);
        }
        if (klWeight < 0 || Double.isNaN(klWeight)) {
            throw new IllegalArgumentException("--kl-weight must be >= 0, found " + klWeight);
        }
        if (klWeight > 0 && klText == null) {
            throw new IllegalArgumentException("--kl-weight " + klWeight + " needs --kl-text FILE (neutral text)");
        }
        if (evalWindows <= 0 || logEvery <= 0) {
            throw new IllegalArgumentException("eval windows and log interval must be positive");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Default Adam learning rate per component, chosen by held-out loss in results/adapters/lr_sweep.json
     * (stories260K, dogs card, local SAE, 100 steps of 8×128, 64 held-out windows): scale 0.03, bias 0.001,
     * ffnn 0.003. Bias gets the smallest: Adam moves every one of its d_sae entries by about lr per step
     * whatever the gradient's size, so larger rates write a large dense vector and make held-out loss worse
     * (bias at 0.01 / 0.03 / 0.1: +0.007 / +0.025 / +0.062 nats against −0.018 at 0.001).
     */
    public static double defaultLr(AdapterKind component) {
        return switch (component) {
            case SCALE -> 0.03;
            case BIAS -> 0.001;
            case FFNN -> 0.003;
        };
    }

    /** Builder with the defaults of {@code isaerft adapter train}. */
    public static final class Builder {
        private AdapterKind component = AdapterKind.SCALE;
        private int hidden = 64;
        private FfnnAdapter.Act act = FfnnAdapter.Act.RELU;
        private double l1 = 0;
        private double lr = 1e-2;
        private int steps = 200;
        private int epochs = 0;
        private int batch = 8;
        private int seq = 128;
        private long seed = 0;
        private double klWeight = 0;
        private Path klText;
        private int evalWindows = 64;
        private int logEvery = 10;

        public Builder component(AdapterKind v) { component = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder act(FfnnAdapter.Act v) { act = v; return this; }
        public Builder l1(double v) { l1 = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder seq(int v) { seq = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder klWeight(double v) { klWeight = v; return this; }
        public Builder klText(Path v) { klText = v; return this; }
        public Builder evalWindows(int v) { evalWindows = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(component, hidden, act, l1, lr, steps, epochs, batch, seq, seed, klWeight, klText,
                    evalWindows, logEvery);
        }
    }
}
