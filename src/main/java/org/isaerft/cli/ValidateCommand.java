package org.isaerft.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.llm.Prompts;
import org.isaerft.sae.Sae;
import org.isaerft.util.Json;
import org.isaerft.validate.DirectionValidation;
import org.isaerft.validate.TriggerLatents;
import org.isaerft.validate.Validation;
import org.isaerft.validate.ValidationJob;
import org.isaerft.validate.Validator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft validate}: interpretation methods vs an adapter's changes; {@code compare}; {@code trigger}. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Validate an interpretation method against an adapter: judge each latent description's relevance to the task",
            "card (embedding similarity or an LLM judge), then AUROC of relevance for the top-k changed latents vs the rest,",
            "Spearman(|change|, relevance), precision@k, a permutation p-value and bootstrap CIs, with shuffled-description and",
            "random-latent controls; audit the most-changed latents for off-task changes. Writes OUT/validation.json",
            "(and OUT/directions.json with --directions)."},
        subcommands = {ValidateCommand.Compare.class, ValidateCommand.Trigger.class})
public final class ValidateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--adapter", paramLabel = "DIR", description = "trained adapter directory (change_summary.json, adapter.safetensors)")
    Path adapter;

    @Option(names = "--explanations", paramLabel = "FILE", description = "explanations.jsonl or latent_descriptions.json of the adapter's SAE")
    Path explanations;

    @Option(names = "--method", paramLabel = "NAME", description = "method name (default: from explanations.jsonl, or the folder name)")
    String method;

    @Option(names = "--task", paramLabel = "CARD", description = "task card: built-in name (dogs, sad, …) or a YAML path")
    String task;

    @Option(names = "--judge", defaultValue = "embedding", paramLabel = "embedding|llm", description = "relevance judge (default ${DEFAULT-VALUE})")
    String judge;

    @Option(names = "--llm-config", paramLabel = "FILE", description = "LLM config YAML for --judge llm")
    Path llmConfig;

    @Mixin
    LlmCacheOption cache = new LlmCacheOption();

    @Option(names = "--prompts", paramLabel = "DIR", description = "prompts directory (default: the project's prompts/)")
    Path prompts;

    @Option(names = "--records", paramLabel = "DIR", description = "mined LatentRecords, for example snippets of flagged latents")
    Path records;

    @Option(names = "--trigger-latents", paramLabel = "FILE", description = "trigger_latents.json from `validate trigger` (poisoned cards)")
    Path triggerLatents;

    @Option(names = "--directions", paramLabel = "FILE|offline",
            description = "adapter-direction explanations (JSONL of adapter_unit_explanation / adapter_change_explanation), "
                    + "or 'offline' to explain the adapter's directions from its weights and the descriptions")
    String directions;

    @Option(names = "--k", defaultValue = "20", description = "top-k most changed latents (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--audit-k", defaultValue = "20", description = "most-changed latents audited for off-task changes (default ${DEFAULT-VALUE})")
    int auditK;

    @Option(names = "--permutations", defaultValue = "1000", description = "permutations of the p-values (default ${DEFAULT-VALUE})")
    int permutations;

    @Option(names = "--bootstrap", defaultValue = "1000", description = "bootstrap resamples (default ${DEFAULT-VALUE})")
    int bootstrap;

    @Option(names = "--change-measure", defaultValue = "mean_abs_delta", description = "mean_abs_delta | param_change (default ${DEFAULT-VALUE})")
    String changeMeasure;

    @Option(names = "--seed", defaultValue = "0", description = "seed of permutations, bootstrap and controls (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory")
    Path out;

    @Option(names = "--json", description = "print validation.json's statistics as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (Object[] req : new Object[][] {{"--adapter", adapter}, {"--explanations", explanations}, {"--task", task}, {"--out", out}}) {
            if (req[1] == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '" + req[0] + "'");
            }
        }
        if (!ValidationJob.JUDGES.contains(judge.toLowerCase(Locale.ROOT))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--judge must be embedding or llm, found '" + judge + "'");
        }
        Validator.Options options = Validator.Options.builder().k(k).auditK(auditK).permutations(permutations).bootstrap(bootstrap)
                .seed(seed).changeMeasure(changeMeasure).build();
        ValidationJob.Request request = new ValidationJob.Request(adapter, explanations, method, TaskCards.load(task, Main.home(spec)), records,
                triggerLatents, directions, options, out);
        PrintWriter err = spec.commandLine().getErr();
        ValidationJob.Result result = ValidationJob.run(request,
                () -> ValidationJob.judge(judge, llmConfig, cfg -> cache.client(cfg, out).seed(seed).build(),
                        prompts == null ? Prompts.project(Main.home(spec)) : new Prompts(prompts)),
                note -> {
                    err.println(note);
                    err.flush();
                });
        Validation val = result.validation();
        DirectionValidation dv = result.directions();
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(Json.write(val.stats()));
        } else {
            Validation.Stats s = val.stats();
            w.printf(Locale.ROOT, "%s / %s / %s / %s: n=%d latents (k=%d), judge %s%n", val.task(), val.sae(), val.component(), val.method(),
                    val.nLatents(), val.k(), val.judge());
            w.printf(Locale.ROOT, "  AUROC %s [%s]  p=%.4f   (shuffled %s, random-latents %.3f)%n", fmt(s.auroc()),
                    s.aurocCi() == null ? "" : fmt(s.aurocCi().low()) + ", " + fmt(s.aurocCi().high()), s.pAuroc(),
                    fmt(val.controls().shuffled().auroc()), val.controls().randomLatents().aurocMean());
            w.printf(Locale.ROOT, "  Spearman %s  p=%s   precision@k %.3f (base rate %.3f)%n", fmt(s.spearman()),
                    s.pSpearman() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", s.pSpearman()), s.precisionAtK(), s.baseRate());
            if (s.overlapAtK() != null) {
                w.printf(Locale.ROOT, "  by rank: %d of the %d most changed are among the %d most relevant (chance %.2f, p=%.4f)%n",
                        s.overlapAtK(), val.k(), val.k(), s.overlapExpected(), s.pOverlap());
            }
            w.printf(Locale.ROOT, "  audit: %d of the %d most changed are off-task%s%n", val.audit().nFlagged(), val.audit().auditK(),
                    val.audit().trigger() == null ? "" : String.format(Locale.ROOT, "; trigger latents %s flagged: %s (recall %s)",
                            val.audit().trigger().triggerLatents(), val.audit().trigger().flagged(),
                            val.audit().trigger().recall() == null ? "undefined: no trigger latent found"
                                    : String.format(Locale.ROOT, "%.2f", val.audit().trigger().recall())));
            if (dv != null) {
                dv.fields().forEach((f, st) -> w.printf(Locale.ROOT, "  directions %s: own-task relevance %.3f (rank %d of %d), own − others %.3f, p=%.4f, q=%.4f (BH over fields)%n",
                        f, st.meanOwn(), st.ownRank(), st.meanByTask().size(), st.meanDiff(), st.pSignFlip(), st.qSignFlip()));
            }
            w.println("  wrote " + result.validationFile());
        }
        w.flush();
        return 0;
    }

    private static String fmt(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** {@code isaerft validate compare}: the comparison table across methods, controls and SAE types. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Build comparison.json and comparison.md from validation outputs (directories searched for validation.json).")
    static final class Compare implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--runs", required = true, arity = "1..*", paramLabel = "DIR", description = "validation output directories or files")
        List<Path> runs;

        @Option(names = "--control-task", defaultValue = "control", split = ",",
                description = "tasks left out of the paired SAE-type test (default ${DEFAULT-VALUE})")
        List<String> controlTasks;

        @Option(names = "--bootstrap", defaultValue = "2000", description = "bootstrap resamples of paired differences (default ${DEFAULT-VALUE})")
        int bootstrap;

        @Option(names = "--seed", defaultValue = "0")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() throws Exception {
            String md = ValidationJob.compare(runs, controlTasks, bootstrap, seed, out).markdown();
            PrintWriter w = spec.commandLine().getOut();
            w.print(md);
            w.flush();
            return 0;
        }
    }

    /** {@code isaerft validate trigger}: the latents of a poisoned card's trigger phrase, from model + SAE. */
    @Command(name = "trigger", mixinStandardHelpOptions = true,
            description = {"Find the latents that respond to a poisoned card's trigger phrase directly from the model and SAE:",
                "max activation on windows containing the phrase vs windows without (effect size and ratio). Writes a",
                "trigger_latents.json for `validate --trigger-latents`."})
    static final class Trigger implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        ModelOptions modelOptions = new ModelOptions();

        @CommandLine.Mixin
        SaeCommand.SaeOptions saeOptions = new SaeCommand.SaeOptions();

        @Option(names = "--task", required = true, paramLabel = "CARD", description = "a task card with a poison section")
        String task;

        @Option(names = "--seq", defaultValue = "" + TriggerLatents.Options.SEQ, description = "window length in tokens (default ${DEFAULT-VALUE})")
        int seq;

        @Option(names = "--min-effect", defaultValue = "" + TriggerLatents.Options.MIN_EFFECT, description = "minimum effect size d (default ${DEFAULT-VALUE})")
        double minEffect;

        @Option(names = "--min-ratio", defaultValue = "" + TriggerLatents.Options.MIN_RATIO, description = "minimum mean-with / mean-without (default ${DEFAULT-VALUE})")
        double minRatio;

        @Option(names = "--max-latents", defaultValue = "" + TriggerLatents.Options.MAX_LATENTS, description = "at most this many trigger latents (default ${DEFAULT-VALUE})")
        int maxLatents;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "trigger_latents.json to write")
        Path out;

        @Override
        public Integer call() throws Exception {
            TaskCards.Loaded card = TaskCards.load(task, Main.home(spec));
            if (card.card().poison() == null) { // before the model is loaded
                throw new IllegalArgumentException("task " + card.card().name() + " (" + card.file() + ") has no poison section");
            }
            try (ModelOptions.Opened m = modelOptions.open(); NDManager sm = m.manager().newSubManager(); Sae sae = saeOptions.open(sm, modelOptions.quiet)) {
                TriggerLatents t = TriggerLatents.findForCard(m.model(), sae, card, new TriggerLatents.Options(seq,
                        TriggerLatents.Options.defaults().batch(), TriggerLatents.Options.MAX_WITHOUT, minEffect, minRatio, maxLatents, 0));
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                Json.writeFile(out, t);
                PrintWriter w = spec.commandLine().getOut();
                w.printf(Locale.ROOT, "%d windows with '%s', %d without; trigger latents %s%n", t.windowsWith(), t.trigger(), t.windowsWithout(),
                        t.latents());
                w.flush();
            }
            return 0;
        }
    }
}
