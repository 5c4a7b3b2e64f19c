package org.isaerft.recovery;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.AdapterKind;

/**
 * Configuration of {@link RecoveryBenchmark}; build with {@link #builder()} ({@link #quick()} for the
 * CI-sized run). Everything here is written into {@code recovery.json}.
 *
 * @param modelSpec     model spec
 * @param saes          SAE name → spec (all at the same hook); tasks are planted from each in turn
 * @param components    adapter components to train
 * @param tasks         planted tasks (latents drawn across firing-frequency deciles of their source SAE)
 * @param seeds         sampling + adapter seeds (each task is planted and recovered once per seed)
 * @param strength      S of the main run
 * @param strengthUnit  what S is measured in: max-act (default; latent i adds S × max_act(i) × r_i) or residual (S × ρ / ‖r_i‖ × r_i,
 *                      ρ = median residual norm at the hook over the scan, so every plant has norm S × ρ); {@link StrengthUnit}
 * @param sweep         strengths of the sweep
 * @param sweepTasks    how many of the tasks the sweep runs on (first seed only)
 * @param documents     documents per planted card
 * @param maxNewTokens  tokens per document
 * @param steps         adapter steps
 * @param batch         adapter windows per step
 * @param seq           adapter window length
 * @param lr            learning rate per component
 * @param scanCorpus    corpus for max_act, firing frequency and alive latents
 * @param scanWindows   windows of {@code seq} tokens scanned
 * @param out           output folder (recovery.json, summary.json)
 * @param label         free-text label written into the results (e.g. "reduced: 1 seed")
 */
public record RecoveryOptions(String modelSpec, Map<String, String> saes, List<AdapterKind> components, int tasks, List<Long> seeds,
        double strength, StrengthUnit strengthUnit, List<Double> sweep, int sweepTasks, int documents, int maxNewTokens, int steps, int batch, int seq,
        Map<AdapterKind, Double> lr, Path scanCorpus, int scanWindows, Path out, String label) {
    public RecoveryOptions {
        if (saes == null || saes.isEmpty()) {
            throw new IllegalArgumentException("recovery: at least one SAE is required");
        }
        saes = new LinkedHashMap<>(saes);
        if (components == null || components.isEmpty()) {
            throw new IllegalArgumentException("recovery: at least one component is required");
        }
        components = List.copyOf(components);
        if (tasks <= 0 || seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("recovery: need tasks > 0 and at least one seed, found " + tasks + ", " + seeds);
        }
        seeds = List.copyOf(seeds);
        if (strengthUnit == null) {
            strengthUnit = StrengthUnit.MAX_ACT;
        }
        sweep = sweep == null ? List.of() : List.copyOf(sweep);
        if (sweepTasks < 0 || sweepTasks > tasks) {
            throw new IllegalArgumentException("recovery: sweep tasks must be in [0, tasks], found " + sweepTasks);
        }
        if (documents < 5 || maxNewTokens <= 0 || steps <= 0 || batch <= 0 || seq < 2 || scanWindows <= 0) {
            throw new IllegalArgumentException("recovery: documents >= 5, max_new_tokens, steps, batch, scan windows > 0 and seq >= 2 "
                    + "are required");
        }
        lr = new LinkedHashMap<>(lr);
        for (AdapterKind k : components) {
            if (!lr.containsKey(k)) {
                throw new IllegalArgumentException("recovery: no learning rate for component " + k.id());
            }
        }
        if (scanCorpus == null || out == null) {
            throw new IllegalArgumentException("recovery: scan corpus and output folder are required");
        }
        if (label == null) {
            label = "";
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Default learning rates: {@link org.isaerft.adapter.TrainConfig#defaultLr} (chosen in results/adapters/lr_sweep.json). */
    public static Map<AdapterKind, Double> defaultLr() {
        Map<AdapterKind, Double> m = new LinkedHashMap<>();
        for (AdapterKind k : AdapterKind.values()) {
            m.put(k, org.isaerft.adapter.TrainConfig.defaultLr(k));
        }
        return m;
    }

    public static final class Builder {
        private String modelSpec = "stories260K";
        private Map<String, String> saes = new LinkedHashMap<>(Map.of());
        private List<AdapterKind> components = List.of(AdapterKind.SCALE, AdapterKind.BIAS, AdapterKind.FFNN);
        private int tasks = 21;
        private List<Long> seeds = List.of(0L, 1L);
        // the full run: ≈ 490 adapter runs + 56 sampled cards, estimated ~2 h on 2 otherwise idle cores from the
        // per-run times of the reduced run in results/recovery (5–20 s per adapter run, ~20 s per card)
        private double strength = 4;
        private StrengthUnit strengthUnit = StrengthUnit.MAX_ACT;
        private List<Double> sweep = List.of(1.0, 8.0);
        private int sweepTasks = 6;
        private int documents = 32;
        private int maxNewTokens = 96;
        private int steps = 60;
        private int batch = 8;
        private int seq = 64;
        private Map<AdapterKind, Double> lr = defaultLr();
        private Path scanCorpus;
        private int scanWindows = 128;
        private Path out;
        private String label = "";

        public Builder modelSpec(String v) { modelSpec = v; return this; }
        public Builder saes(Map<String, String> v) { saes = v; return this; }
        public Builder components(List<AdapterKind> v) { components = v; return this; }
        public Builder tasks(int v) { tasks = v; return this; }
        public Builder seeds(List<Long> v) { seeds = v; return this; }
        public Builder strength(double v) { strength = v; return this; }
        public Builder strengthUnit(StrengthUnit v) { strengthUnit = v; return this; }
        public Builder sweep(List<Double> v) { sweep = v; return this; }
        public Builder sweepTasks(int v) { sweepTasks = v; return this; }
        public Builder documents(int v) { documents = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder seq(int v) { seq = v; return this; }
        public Builder lr(Map<AdapterKind, Double> v) { lr = v; return this; }
        public Builder scanCorpus(Path v) { scanCorpus = v; return this; }
        public Builder scanWindows(int v) { scanWindows = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder label(String v) { label = v; return this; }

        /** CI-sized: 3 tasks, 1 seed, short texts and training, a 2-point sweep on 1 task. */
        public Builder quick() {
            tasks = 3;
            seeds = List.of(0L);
            strength = 2;
            sweep = List.of(0.25, 4.0);
            sweepTasks = 1;
            documents = 12;
            maxNewTokens = 48;
            steps = 20;
            scanWindows = 16;
            return this;
        }

        public RecoveryOptions build() {
            return new RecoveryOptions(modelSpec, saes, components, tasks, seeds, strength, strengthUnit, sweep, sweepTasks, documents, maxNewTokens,
                    steps, batch, seq, lr, scanCorpus, scanWindows, out, label);
        }
    }
}
