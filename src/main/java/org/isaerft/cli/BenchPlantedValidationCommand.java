package org.isaerft.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.config.ProjectHome;
import org.isaerft.recovery.PlantedValidation;
import org.isaerft.recovery.RecoveryOptions;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.validate.EmbeddingRelevance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft bench planted-validation}: validation and the data audit on planted cards (thin: the work is in {@link PlantedValidation}). */
@Command(name = "planted-validation", mixinStandardHelpOptions = true,
        description = {"Known-answer check of the validation chain: on the planted tasks of `bench recovery`, does validation rank the "
                + "planted latent as an on-task change when its own description is the expectation (vs the unsteered twin and a shuffled "
                + "expectation), and does the data audit flag it on a poison card (vs the clean twin)? Describes every latent offline "
                + "(token-stats, logit-lens), judges by embedding relevance; writes OUT/planted_validation.json and OUT/summary.json."})
public final class BenchPlantedValidationCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    PlantedTaskOptions planted;

    @Option(names = "--methods", split = ",", paramLabel = "M[,M…]", description = "Explanation methods (default token-stats,logit-lens).")
    List<String> methods;

    @Option(names = "--measures", split = ",", paramLabel = "M[,M…]",
            description = "Change measures latents are ranked by (default mean_abs_delta,param_change).")
    List<String> measures;

    @Option(names = "--k", paramLabel = "K", description = "Most-changed latents validated (default 20).")
    Integer k;

    @Option(names = "--audit-k", paramLabel = "K", description = "Most-changed latents audited (default 20).")
    Integer auditK;

    @Option(names = "--poison-fraction", paramLabel = "F", description = "Share of the poison card's documents that are trigger + steered text (default 0.25).")
    Double poisonFraction;

    @Option(names = "--trigger", paramLabel = "TEXT", description = "Trigger sentence (default 'The purple umbrella sang.').")
    String trigger;

    @Option(names = "--mine-tokens", paramLabel = "N", description = "Corpus tokens mined to describe the latents (default 20000; quick 4096).")
    Long mineTokens;

    @Option(names = "--reanalyse", paramLabel = "PLANTED_VALIDATION_JSON",
            description = "Do not train: re-run the analysis on the rows of an existing planted_validation.json and rewrite it (and summary.json) in place.")
    Path reanalyse;

    @Override
    public Integer call() {
        if (reanalyse != null) {
            PlantedValidation.write(PlantedValidation.read(reanalyse), reanalyse.toAbsolutePath().getParent());
            System.out.println("planted validation: re-analysed " + reanalyse);
            return 0;
        }
        ProjectHome home = Main.home(spec);
        Map<String, String> specs = planted.specs(home);
        RecoveryOptions.Builder rb = planted.builder(modelOptions.spec(), home, home.resolve("results/recovery/validation"));
        rb.sweep(List.of()).sweepTasks(0);
        if (planted.seeds == null) {
            rb.seeds(List.of(0L)); // one seed by default: the paired tests are over tasks
        }
        rb.label(planted.label(spec));
        RecoveryOptions ro = rb.build();
        PlantedValidation.Options.Builder b = PlantedValidation.Options.builder(ro);
        if (methods != null) b.methods(methods);
        if (measures != null) b.measures(measures);
        if (k != null) b.k(k);
        if (auditK != null) b.auditK(auditK);
        if (poisonFraction != null) b.poisonFraction(poisonFraction);
        if (trigger != null) b.trigger(trigger);
        if (planted.quick) b.permutations(50).bootstrap(50);
        PlantedValidation.Options o = b.build();
        long tokens = mineTokens != null ? mineTokens : planted.quick ? 4096 : 20_000;
        PlantedTaskOptions.withModelAndSaes(specs, modelOptions, home, (model, saes) -> {
            Path out = ro.out();
            PlantedValidation.Describer describer = PlantedValidation.mined(model, modelOptions.spec(), specs, ro.scanCorpus(), tokens,
                    out.resolve("descriptions"), System.err);
            PlantedValidation.Result r = PlantedValidation.run(o, model, saes, describer, new EmbeddingRelevance(), System.err);
            PlantedValidation.write(r, out);
            System.out.println("planted validation: " + r.expectations().size() + " validations, " + r.audits().size() + " audits in "
                    + Math.round(r.seconds()) + " s -> " + out);
        });
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
}
