package org.isaerft.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.data.Corpus;
import org.isaerft.data.DocumentSplit;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.config.ProjectHome;
import org.isaerft.hub.HubClient;
import org.isaerft.hub.HubFile;
import org.isaerft.sae.PretrainedSaes;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeEvalResult;
import org.isaerft.sae.SaeEvaluator;
import org.isaerft.sae.SaeFetcher;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.sae.SaeResolver;
import org.isaerft.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isaerft sae …}: work with sparse autoencoders. */
@Command(name = "sae", mixinStandardHelpOptions = true, description = "Sparse autoencoders: evaluate (splice into a model and measure), train, list the pretrained catalogue, show one SAE.",
        subcommands = {SaeCommand.Eval.class, SaeTrainCommand.class, SaeCommand.ListPretrained.class, SaeCommand.Info.class})
public final class SaeCommand extends GroupCommand {
    /** The fetcher for RELEASE/ID specs: the hub client (mirror, then cache, then download; HF_* environment). */
    static SaeFetcher fetcher(boolean quiet, ProjectHome home) {
        HubClient hub = HubClient.builder().home(home).quiet(quiet).build();
        return (repo, revision, path) -> hub.fetch(HubFile.model(repo, revision, path));
    }

    /**
     * Resolves and loads an SAE spec: a local path, or RELEASE/ID of the catalogue ({@code catalogue}
     * or {@code home}'s configs/pretrained_saes.yaml) fetched through the hub client; {@code hook} may be null.
     */
    static Sae openSae(String spec, String hook, Path catalogue, NDManager parent, boolean quiet, ProjectHome home) {
        return SaeResolver.open(spec, hook, catalogue != null ? catalogue : home.saeCatalogue(), fetcher(quiet, home), parent);
    }

    /** Options shared by commands that open an SAE. */
    public static final class SaeOptions {
        @Option(names = "--sae", required = true, paramLabel = "SPEC",
                description = "SAE directory (SAELens cfg.json + sae_weights.safetensors, sparsify cfg.json + sae.safetensors), "
                        + "Apollo e2e_sae .pt (with NAME.yaml or final_config.yaml beside it) or its directory, "
                        + "or RELEASE/ID from the pretrained catalogue (e.g. gpt2-small-e2e-apollo/e2e_similar_ce_layer_6).")
        String sae;

        @Option(names = "--sae-hook", paramLabel = "HOOK",
                description = "Hook point: picks one SAE of a multi-position Apollo checkpoint, or names the hook of a sparsify SAE.")
        String hook;

        @Option(names = "--pretrained", paramLabel = "FILE", description = "Pretrained SAE catalogue (default: configs/pretrained_saes.yaml).")
        Path catalogue;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec mixee;

        public Sae open(NDManager parent, boolean quiet) {
            return openSae(sae, hook, catalogue, parent, quiet, Main.home(mixee));
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = {"Splice an SAE into a model at its hook and measure it over N tokens of a corpus:",
                "L0, alive/dead latents, MSE and explained variance (in the SAE's input space),",
                "CE loss clean vs spliced, CE increase, KL(clean||spliced). Prints a table, or JSON with --json."})
    static final class Eval implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        ModelOptions modelOptions;

        @CommandLine.Mixin
        SaeOptions saeOptions = new SaeOptions();

        @Option(names = "--corpus", required = true, paramLabel = "PATH",
                description = "Text file (documents separated by blank lines), JSONL ({\"text\": …} or token-id arrays), or a directory of them.")
        Path corpus;

        @Option(names = "--tokens", defaultValue = "8192", paramLabel = "N", description = "Tokens to evaluate, rounded up to whole windows (default: ${DEFAULT-VALUE}).")
        long tokens;

        @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seq", paramLabel = "T", description = "Window length in tokens (default: min(128, model context)).")
        Integer seq;

        @Option(names = "--split", defaultValue = "all", paramLabel = "all|train|held-out",
                description = "Documents to use, by a seeded split on document index (default: ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--held-out-fraction", defaultValue = "0.1", paramLabel = "F", description = "Held-out share of documents (default: ${DEFAULT-VALUE}).")
        double heldOut;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the document split (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--json", description = "Print the result as JSON instead of a table.")
        boolean json;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON result to FILE (atomically).")
        Path out;

        @Override
        public Integer call() {
            DocumentSplit.Part part = switch (split) {
                case "all" -> DocumentSplit.Part.ALL;
                case "train" -> DocumentSplit.Part.TRAIN;
                case "held-out", "held_out" -> DocumentSplit.Part.HELD_OUT;
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--split must be all, train or held-out, found '" + split + "'");
            };
            try (ModelOptions.Opened opened = modelOptions.open();
                 Sae sae = saeOptions.open(opened.manager(), modelOptions.quiet)) {
                LanguageModel lm = opened.model();
                int t = seq != null ? seq : Math.min(128, lm.config().contextLength());
                Corpus c = Corpus.builder(corpus).tokenizer(lm.tokenizer()).seqLen(t).batchSize(batch)
                        .split(new DocumentSplit(heldOut, seed), part).build();
                SaeEvalResult r = SaeEvaluator.evaluate(lm, sae, c.batches(), tokens, modelOptions.spec(), corpus.toString());
                PrintWriter w = spec.commandLine().getOut();
                if (json) {
                    w.println(Json.write(r));
                } else {
                    w.print(r.table());
                    if (r.tokens() < r.tokensRequested()) {
                        w.println("note: the corpus gave only " + r.tokens() + " of the " + r.tokensRequested() + " tokens requested");
                    }
                }
                w.flush();
                if (out != null) {
                    Json.writeFile(out, r);
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the pretrained SAE catalogue (RELEASE/ID specs for --sae).")
    static final class ListPretrained implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--pretrained", paramLabel = "FILE", description = "Catalogue (default: configs/pretrained_saes.yaml).")
        Path catalogue;

        @Override
        public Integer call() {
            PretrainedSaes cat = PretrainedSaes.load(catalogue != null ? catalogue : Main.home(spec).saeCatalogue());
            PrintWriter w = spec.commandLine().getOut();
            cat.releases().values().forEach(r -> {
                w.println(r.name() + "  (" + r.format() + ", " + r.repoId() + "@" + r.revision() + (r.model() != null ? ", model " + r.model() : "") + ")");
                r.saes().forEach(e -> w.println("  " + r.name() + "/" + e.id() + (e.extra().containsKey("hook") ? "  " + e.extra().get("hook") : "")));
            });
            w.flush();
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Load an SAE and print its configuration as JSON.")
    static final class Info implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        SaeOptions saeOptions = new SaeOptions();

        @Option(names = "--quiet", description = "No download progress on stderr.")
        boolean quiet;

        @Override
        public Integer call() {
            try (NDManager root = NDManager.newBaseManager(); Sae sae = saeOptions.open(root, quiet)) {
                java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
                out.put("schema_version", 1);
                out.put("type", "sae_info");
                @SuppressWarnings("unchecked")
                java.util.Map<String, Object> cfg = Json.MAPPER.convertValue(sae.config(), java.util.LinkedHashMap.class);
                cfg.put("hook_point", sae.hookPoint().name());
                cfg.put("input_normalization", sae.config().inputNormalization().label());
                out.put("config", cfg);
                PrintWriter w = spec.commandLine().getOut();
                w.println(Json.write(out));
                w.flush();
            }
            return 0;
        }
    }
}
