package org.isaerft.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.config.ProjectHome;
import org.isaerft.recovery.RecoveryOptions;
import org.isaerft.sae.SparseAutoencoder;
import picocli.CommandLine.Option;

/** The planted-task options shared by {@code bench recovery} and {@code bench planted-validation} (a picocli mixin). */
public final class PlantedTaskOptions {
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

    @Option(names = "--strength-unit", paramLabel = "max-act|residual", description = "What S is measured in: max-act (default; x += S × "
            + "max_act × r_i) or residual (x += S × ρ / ‖r_i‖ × r_i, ρ = median residual norm at the hook over the scan: every plant has "
            + "norm S × ρ whatever the source SAE).")
    String strengthUnit;

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

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default results/recovery; planted-validation: results/recovery/validation).")
    Path out;

    @Option(names = "--label", paramLabel = "TEXT", description = "Label written into the results.")
    String label;

    /** SAE name → spec: the --sae options, or the three shipped v1 SAEs. */
    Map<String, String> specs(ProjectHome home) {
        Map<String, String> specs = new LinkedHashMap<>();
        if (saes == null || saes.isEmpty()) {
            for (String n : List.of("local", "e2e", "e2e-downstream")) {
                specs.put(n, home.resolve("results/sae/stories260K/" + n).toString());
            }
            return specs;
        }
        for (String s : saes) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--sae: expected NAME=SPEC, found '" + s + "'");
            }
            specs.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return specs;
    }

    /** The builder with these options applied over the defaults (or --quick's); the caller sets sweep, label and output. */
    RecoveryOptions.Builder builder(String modelSpec, ProjectHome home, Path defaultOut) {
        RecoveryOptions.Builder b = RecoveryOptions.builder().modelSpec(modelSpec).saes(specs(home))
                .scanCorpus(home.shared().resolve("corpora/tinystories/tinystories-sample.txt"))
                .out(out != null ? out : defaultOut);
        if (quick) {
            b.quick();
        }
        if (tasks != null) b.tasks(tasks);
        if (seeds != null) b.seeds(seeds);
        if (strength != null) b.strength(strength);
        if (strengthUnit != null) b.strengthUnit(org.isaerft.recovery.StrengthUnit.parse(strengthUnit));
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
        return b;
    }

    /** The label written into the results: --label (if any) and the command line. */
    String label(picocli.CommandLine.Model.CommandSpec spec) {
        List<String> args = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
        return (label != null ? label + "; " : "") + "command: isaerft " + String.join(" ", args);
    }

    /** The work of a planted-task command, given the opened model and SAEs. */
    @FunctionalInterface
    interface Work {
        void run(org.isaerft.model.LanguageModel model, Map<String, SparseAutoencoder> saes);
    }

    /** Opens the model and every SAE of {@code specs}, runs {@code work}, and closes them all. */
    static void withModelAndSaes(Map<String, String> specs, ModelOptions modelOptions, ProjectHome home, Work work) {
        try (ModelOptions.Opened m = modelOptions.open()) {
            Map<String, SparseAutoencoder> opened = open(specs, modelOptions, m, home);
            try {
                work.run(m.model(), opened);
            } finally {
                opened.values().forEach(SparseAutoencoder::close);
            }
        }
    }

    /** Opens every SAE of {@code specs}; the caller closes them. */
    static Map<String, SparseAutoencoder> open(Map<String, String> specs, ModelOptions modelOptions, ModelOptions.Opened m, ProjectHome home) {
        Map<String, SparseAutoencoder> opened = new LinkedHashMap<>();
        try {
            for (var e : specs.entrySet()) {
                opened.put(e.getKey(), SaeCommand.openSae(e.getValue(), null, null, m.manager(), modelOptions.quiet, home));
            }
        } catch (RuntimeException e) {
            opened.values().forEach(SparseAutoencoder::close);
            throw e;
        }
        return opened;
    }
}
