package org.isaerft.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.isaerft.data.Corpus;
import org.isaerft.data.DocumentSplit;
import org.isaerft.data.Window;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SaeEvalResult;
import org.isaerft.sae.SaeEvaluator;
import org.isaerft.sae.train.SaeTrainOutput;
import org.isaerft.sae.train.SaeTrainer;
import org.isaerft.sae.train.SaeTrainConfig;
import org.isaerft.sae.train.TrainData;
import org.isaerft.sae.train.TrainKind;
import org.isaerft.sae.train.TrainResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code isaerft sae train}: trains a local, e2e or e2e+downstream SAE ({@link SaeTrainer}) and
 * saves it in SAELens format plus metadata.json; optionally evaluates it on held-out text.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an SAE at a hook of a frozen model (Braun et al. 2024 objectives):",
            "  local           MSE(SAE input, output) + l1*sparsity",
            "  e2e             KL(original||spliced next-token distributions) + l1*sparsity",
            "  e2e-downstream  kl-coeff*KL + downstream-coeff*mean MSE at later hook_resid_pre's + l1*sparsity",
            "sparsity = mean over tokens of ||c||_1 / d_in. Adam, warmup + cosine to --min-lr-fraction, global-norm clipping,",
            "unit-norm decoder rows, seeded; checkpoints every --checkpoint-every steps (--resume continues exactly).",
            "Writes OUT/cfg.json + OUT/sae_weights.safetensors (SAELens) and OUT/metadata.json."})
public final class SaeTrainCommand implements Callable<Integer> {
    public static final String CHECKPOINT = "checkpoint.safetensors";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Option(names = "--hook", required = true, paramLabel = "HOOK", description = "Hook point, e.g. blocks.2.hook_resid_pre.")
    String hook;

    @Option(names = "--kind", required = true, paramLabel = "local|e2e|e2e-downstream", description = "Training objective.")
    String kind;

    @Option(names = "--expansion", defaultValue = "8", paramLabel = "R", description = "d_sae = R * d_in (default: ${DEFAULT-VALUE}).")
    int expansion;

    @Option(names = "--d-sae", paramLabel = "N", description = "Number of latents (overrides --expansion).")
    Integer dSae;

    @Option(names = "--l1", required = true, paramLabel = "LAMBDA", description = "Sparsity coefficient λ.")
    double l1;

    @Option(names = "--corpus", required = true, paramLabel = "PATH",
            description = "Training text (file or directory, as for `sae eval`); repeat for several. Only the train part of the "
                    + "document split is used.")
    List<Path> corpora;

    @Option(names = "--held-out-fraction", defaultValue = "0.1", paramLabel = "F",
            description = "Share of each corpus' documents held out from training (default: ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(names = "--split-seed", defaultValue = "0", paramLabel = "S", description = "Seed of the document split (default: ${DEFAULT-VALUE}).")
    long splitSeed;

    @Option(names = "--tokens", required = true, paramLabel = "N", description = "Training tokens (rounded up to whole steps).")
    long tokens;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq", defaultValue = "128", paramLabel = "T", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--lr", defaultValue = "5e-4", paramLabel = "LR", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "STEPS", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--min-lr-fraction", defaultValue = "0.1", paramLabel = "F",
            description = "Cosine decay floor as a fraction of --lr (default: ${DEFAULT-VALUE}).")
    double minLr;

    @Option(names = "--grad-clip", defaultValue = "10", paramLabel = "G", description = "Global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of initialisation and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-decoder-norm", defaultValue = "0.1", paramLabel = "X",
            description = "Initial norm of the tied encoder columns (default: ${DEFAULT-VALUE}).")
    double initNorm;

    @Option(names = "--kl-coeff", paramLabel = "C", description = "KL coefficient (default: 1 for e2e, 0.5 for e2e-downstream).")
    Double klCoeff;

    @Option(names = "--downstream-coeff", defaultValue = "2.5", paramLabel = "C",
            description = "Total coefficient of the downstream MSEs, split evenly over the hooks (default: ${DEFAULT-VALUE}).")
    double dsCoeff;

    @Option(names = "--downstream-hooks", split = ",", paramLabel = "HOOK,...",
            description = "Later hooks for e2e-downstream (default: every later blocks.L.hook_resid_pre).")
    List<String> dsHooks;

    @Option(names = "--dead-window", defaultValue = "500000", paramLabel = "TOKENS",
            description = "A latent is dead if it did not fire in this many most recent tokens (default: ${DEFAULT-VALUE}).")
    long deadWindow;

    @Option(names = "--checkpoint-every", defaultValue = "200", paramLabel = "STEPS",
            description = "Steps between checkpoints, 0 = only when interrupted by --stop-after (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--log-every", defaultValue = "20", paramLabel = "STEPS", description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--shuffle-buffer", defaultValue = "4096", paramLabel = "WINDOWS", description = "Seeded shuffle buffer (default: ${DEFAULT-VALUE}).")
    int shuffleBuffer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--resume", description = "Continue from OUT/" + CHECKPOINT + " (same options required).")
    boolean resume;

    @Option(names = "--stop-after", paramLabel = "STEPS", description = "Stop (with a checkpoint) after this many steps in total; resume later.")
    Integer stopAfter;

    @Option(names = "--keep-checkpoint", description = "Keep OUT/" + CHECKPOINT + " after training completes.")
    boolean keepCheckpoint;

    @Option(names = "--eval-corpus", paramLabel = "PATH", description = "After training, evaluate on the held-out part of this corpus.")
    Path evalCorpus;

    @Option(names = "--eval-tokens", defaultValue = "16384", paramLabel = "N", description = "Held-out tokens to evaluate (default: ${DEFAULT-VALUE}).")
    long evalTokens;

    @Override
    public Integer call() {
        TrainKind k;
        try {
            k = TrainKind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kind: " + e.getMessage());
        }
        HookPoint h = HookPoint.parse(hook);
        Path ckpt = out.resolve(CHECKPOINT);
        if (!resume && Files.exists(ckpt)) {
            throw new IllegalArgumentException(ckpt + " exists: pass --resume to continue that run, or delete it");
        }
        if (resume && !Files.exists(ckpt)) {
            throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
        }
        PrintStream err = System.err;
        try (ModelOptions.Opened opened = modelOptions.open()) {
            LanguageModel lm = opened.model();
            int dIn = lm.config().width(h);
            int latents = dSae != null ? dSae : expansion * dIn;
            List<HookPoint> downstream = k == TrainKind.E2E_DOWNSTREAM && dsHooks != null && !dsHooks.isEmpty()
                    ? dsHooks.stream().map(HookPoint::parse).toList()
                    : SaeTrainConfig.defaultDownstreamHooks(k, h, lm.hookPoints());
            SaeTrainConfig.Builder b = SaeTrainConfig.builder(k, h, latents).l1(l1).tokens(tokens).batch(batch).seq(seq).lr(lr)
                    .warmupSteps(warmup).minLrFraction(minLr).maxGradNorm(gradClip).seed(seed).initDecoderNorm(initNorm)
                    .downstreamCoeff(dsCoeff).downstreamHooks(downstream).deadWindowTokens(deadWindow).checkpointEvery(checkpointEvery)
                    .logEvery(logEvery).shuffleBuffer(shuffleBuffer);
            if (klCoeff != null) {
                b.klCoeff(klCoeff);
            }
            SaeTrainConfig cfg = b.build();
            DocumentSplit split = new DocumentSplit(heldOut, splitSeed);
            List<Supplier<Iterator<Window>>> sources = new ArrayList<>();
            for (Path c : corpora) {
                Corpus corpus = Corpus.builder(c).tokenizer(lm.tokenizer()).seqLen(seq).batchSize(1).split(split, DocumentSplit.Part.TRAIN).build();
                sources.add(corpus::windows);
            }
            TrainData data = new TrainData(sources, shuffleBuffer, seed);
            String id = out.toAbsolutePath().normalize().getFileName().toString();
            String modelName = modelOptions.spec();
            err.printf("sae train: %s SAE at %s of %s, d_in %d → d_sae %d, λ %s, %d steps of %d×%d tokens%s%n", k.label(), h, modelName, dIn,
                    latents, l1, cfg.steps(), batch, seq, resume ? " (resuming)" : "");
            try (SaeTrainer trainer = resume ? SaeTrainer.resume(lm, cfg, id, modelName, ckpt) : SaeTrainer.start(lm, cfg, id, modelName)) {
                TrainResult r = trainer.run(data, ckpt, err, stopAfter == null ? -1 : stopAfter);
                PrintWriter w = spec.commandLine().getOut();
                if (trainer.step() < cfg.steps()) {
                    trainer.saveCheckpoint(ckpt);
                    w.println("stopped after step " + trainer.step() + " of " + cfg.steps() + "; checkpoint " + ckpt + " (continue with --resume)");
                    w.flush();
                    return 0;
                }
                Map<String, Object> extra = new LinkedHashMap<>();
                Map<String, Object> dataInfo = new LinkedHashMap<>();
                dataInfo.put("corpora", corpora.stream().map(Path::toString).toList());
                dataInfo.put("split", Map.of("part", "train", "held_out_fraction", heldOut, "seed", splitSeed));
                dataInfo.put("windows_consumed", trainer.windowsConsumed());
                extra.put("data", dataInfo);
                extra.put("metrics", r);
                trainer.sae().setTrainable(false);
                if (evalCorpus != null) {
                    Corpus ec = Corpus.builder(evalCorpus).tokenizer(lm.tokenizer()).seqLen(seq).batchSize(batch)
                            .split(split, DocumentSplit.Part.HELD_OUT).build();
                    SaeEvalResult ev = SaeEvaluator.evaluate(lm, trainer.sae(), ec.batches(), evalTokens, modelName,
                            evalCorpus + " (held-out " + heldOut + ", split seed " + splitSeed + ")");
                    extra.put("eval", ev);
                    w.print(ev.table());
                }
                SaeTrainOutput.save(trainer, out, extra, command());
                if (!keepCheckpoint) {
                    Files.deleteIfExists(ckpt);
                }
                w.printf("saved %s (%d steps, %d tokens, %.0f s, final L0 %.2f, dead %d/%d)%n", out, r.steps(), r.tokens(), r.seconds(),
                        r.l0(), r.dead(), latents);
                w.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    /** The command line that reproduces this run. */
    private String command() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        StringBuilder sb = new StringBuilder("scripts/isaerft"); // originalArgs are the root command's: "sae train ..."
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--resume") || a.startsWith("--stop-after=")) {
                continue;
            }
            if (a.equals("--stop-after")) {
                i++;
                continue;
            }
            sb.append(' ').append(a.matches("[A-Za-z0-9_.,/=:+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }
}
