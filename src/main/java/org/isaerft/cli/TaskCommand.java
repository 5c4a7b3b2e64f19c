package org.isaerft.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.isaerft.recovery.LatentScan;
import org.isaerft.recovery.PlantOptions;
import org.isaerft.recovery.StrengthUnit;
import org.isaerft.recovery.Planter;
import org.isaerft.sae.SparseAutoencoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft task plant}: task cards with a known answer (thin: the work is in {@link Planter}). */
@Command(name = "task", mixinStandardHelpOptions = true, description = "Task cards.", subcommands = TaskCommand.Plant.class)
public final class TaskCommand extends GroupCommand {

    @Command(name = "plant", mixinStandardHelpOptions = true,
            description = {"Write a planted task card: text sampled from the model while x += S × max_act(i) × r_i is added at the SAE's "
                    + "hook (r_i: latent i's residual direction), its unsteered twin (same seeds) as control, and with --poison-trigger "
                    + "a poison card (trigger sentence + steered text) beside its clean twin. max_act comes from a scan of --scan-corpus."})
    static final class Plant implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        ModelOptions modelOptions;

        @Mixin
        SaeCommand.SaeOptions saeOptions = new SaeCommand.SaeOptions();

        @Option(names = "--latents", required = true, split = ",", paramLabel = "ID[,ID…]", description = "Latents to plant.")
        List<Integer> latents;

        @Option(names = "--strength", defaultValue = "4", paramLabel = "S", description = "Steering strength S (default: ${DEFAULT-VALUE}).")
        double strength;

        @Option(names = "--strength-unit", defaultValue = "max-act", paramLabel = "max-act|residual", description = "What S is measured in: "
                + "max-act (x += S × max_act(i) × r_i) or residual (x += S × ρ / ‖r_i‖ × r_i, ρ = median residual norm at the hook over the "
                + "scan, so each latent's plant has norm S × ρ whatever the SAE's activation scale; default: ${DEFAULT-VALUE}).")
        String strengthUnit;

        @Option(names = "--documents", defaultValue = "200", paramLabel = "N", description = "Documents per card (default: ${DEFAULT-VALUE}).")
        int documents;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "CARD_DIR", description = "Folder for the cards and their texts.")
        Path out;

        @Option(names = "--name", paramLabel = "NAME", description = "Card name (default: planted-SAE-lIDS-sS-seedK; planted-SAE-lIDS-sS-resid-seedK in residual units).")
        String name;

        @Option(names = "--max-new-tokens", defaultValue = "160", paramLabel = "T", description = "Tokens per document (default: ${DEFAULT-VALUE}).")
        int maxNewTokens;

        @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--poison-trigger", paramLabel = "SENTENCE", description = "Also write a poison card and its clean twin.")
        String trigger;

        @Option(names = "--poison-fraction", defaultValue = "0.1", paramLabel = "F", description = "Poisoned fraction (default: ${DEFAULT-VALUE}).")
        double poisonFraction;

        @Option(names = "--expect-description", paramLabel = "TEXT", description = "The clean task's expectation: the poison card's and its "
                + "clean twin's description, which the data audit judges latents against (must not name the trigger; default: ordinary "
                + "children's stories, org.isaerft.recovery.PlantedValidation.CLEAN_DESCRIPTION).")
        String expectDescription;

        @Option(names = "--expect-concepts", split = ",", paramLabel = "A,B,…", description = "The clean task's expected concepts (poison card "
                + "and clean twin; also the steered card's when given; default: PlantedValidation.CLEAN_CONCEPTS, and 'planted latent I of "
                + "SAE X' on the steered card).")
        List<String> expectConcepts;

        @Option(names = "--expect-from", paramLabel = "FILE", description = "latent_descriptions.json or explanations.jsonl of the SAE: "
                + "the steered card's expectation becomes the planted latents' own descriptions (so `validate` on it asks whether the "
                + "planted latent is ranked on-task; see bench planted-validation).")
        Path expectFrom;

        @Option(names = "--scan-corpus", paramLabel = "FILE", description = "Corpus for max_act (default: ../shared/corpora/tinystories/tinystories-sample.txt).")
        Path scanCorpus;

        @Option(names = "--scan-windows", defaultValue = "128", paramLabel = "N", description = "Windows of 128 tokens scanned (default: ${DEFAULT-VALUE}).")
        int scanWindows;

        /** Planted latent index → description from --expect-from (all latents of the file; PlantOptions checks the planted ones). */
        private java.util.Map<Integer, String> plantedDescriptions() {
            if (expectFrom == null) {
                return null;
            }
            java.util.Map<Integer, String> m = new java.util.TreeMap<>();
            org.isaerft.validate.ValidationInputs.descriptions(expectFrom, null).byId().forEach((id, d) -> {
                if (m.put(id.index(), d) != null) {
                    throw new IllegalArgumentException("--expect-from " + expectFrom + ": latent " + id.index()
                            + " is described twice (descriptions of several SAEs?); pass one SAE's descriptions");
                }
            });
            return m;
        }

        @Override
        public Integer call() {
            PlantOptions o = PlantOptions.builder().modelSpec(modelOptions.spec()).saeSpec(saeOptions.sae).latents(latents)
                    .strength(strength).strengthUnit(StrengthUnit.parse(strengthUnit)).documents(documents).seed(seed).out(out).name(name).maxNewTokens(maxNewTokens)
                    .temperature(temperature).poisonTrigger(trigger).poisonFraction(poisonFraction)
                    .expectDescription(expectDescription).expectConcepts(expectConcepts).plantedDescriptions(plantedDescriptions()).build();
            Path corpus = scanCorpus != null ? scanCorpus : Main.home(spec).shared().resolve("corpora/tinystories/tinystories-sample.txt");
            try (ModelOptions.Opened opened = modelOptions.open();
                    SparseAutoencoder sae = saeOptions.open(opened.manager(), modelOptions.quiet)) {
                LatentScan scan = LatentScan.ofCorpus(opened.model(), sae, corpus, 128, scanWindows);
                Planter.Result r = Planter.plant(opened.model(), sae, o, scan);
                System.out.println(org.isaerft.util.Json.write(Planter.describe(r)));
            }
            return 0;
        }
    }
}
