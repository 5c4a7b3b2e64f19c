package org.isaerft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.isaerft.activations.LatentFunction;
import org.isaerft.activations.Miner;
import org.isaerft.activations.MiningBench;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningJob;
import org.isaerft.activations.MiningOutput;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.Sae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code isaerft mine}: streams a corpus through model + SAE and writes one latent record per latent
 * (top examples, decile examples, random non-activating windows, stats, logit lens), index.json and
 * the mergeable state; {@code isaerft mine --merge DIR1 DIR2 ... --out DIR} merges shard directories.
 */
@Command(name = "mine", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Mine top-activating, decile and random examples of every SAE latent (and virtual latents) over a corpus.",
            "Writes <out>/<latent>.json (LatentRecord), <out>/index.json and <out>/state/ (for --merge). Progress on stderr.",
            "Shards: run with --shard I/N on several machines, then `mine --merge DIR... --out DIR` (exactly the unsharded result)."})
public final class MineCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "SPEC", description = "Model directory or alias (see `generate --help`).")
    String model;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu", description = "Device (default: ${DEFAULT-VALUE}).")
    ModelOptions.DeviceKind device = ModelOptions.DeviceKind.cpu;

    @Mixin
    SaeActivationOptions sae;

    @Option(names = "--corpus", paramLabel = "PATH",
            description = "Corpus: text files (documents split on blank lines), JSONL with a text field, or pre-tokenised ids.")
    Path corpus;

    @Option(names = "--text-field", defaultValue = "text", paramLabel = "NAME", description = "JSONL text field (default: ${DEFAULT-VALUE}).")
    String textField = "text";

    @Option(names = "--tokens", paramLabel = "N", description = "Tokens to mine (the first N of the corpus, before sharding).")
    Long tokens;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--seq", defaultValue = "128", paramLabel = "T",
            description = "Tokens per sequence; documents are cut, never packed (default: ${DEFAULT-VALUE}, capped at the context).")
    int seq = 128;

    @Option(names = "--k", defaultValue = "20", paramLabel = "K", description = "Top examples per latent (default: ${DEFAULT-VALUE}).")
    int k = 20;

    @Option(names = "--window", defaultValue = "32", paramLabel = "W", description = "Tokens per example window (default: ${DEFAULT-VALUE}).")
    int window = 32;

    @Option(names = "--per-decile", defaultValue = "4", paramLabel = "D", description = "Examples per activation decile (default: ${DEFAULT-VALUE}).")
    int perDecile = 4;

    @Option(names = "--random", defaultValue = "20", paramLabel = "R", description = "Random non-activating windows (default: ${DEFAULT-VALUE}).")
    int random = 20;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of sampling and of the explain/score split.")
    long seed;

    @Option(names = "--score-fraction", defaultValue = "0.5", paramLabel = "F",
            description = "Fraction of sequences held out for scoring (default: ${DEFAULT-VALUE}).")
    double scoreFraction = 0.5;

    @Option(names = "--shard", paramLabel = "I/N", description = "Mine only sequences i, i+N, i+2N, … of the stream (0-based I).")
    String shard;

    @Option(names = "--source", paramLabel = "NAME", description = "Source part of latent ids (default: the SAE's hook point).")
    String source;

    @Option(names = "--directions", paramLabel = "FILE.safetensors",
            description = "Virtual latents: tensors named latent.<name> [n, d_sae] (projections of the latent vector) or "
                    + "input.<name> [n, d_in] (projections of the SAE reconstruction); ids directions/<name>/<i>.")
    Path directions;

    @Option(names = "--lens-top", defaultValue = "10", paramLabel = "N", description = "Logit-lens tokens each way (default: ${DEFAULT-VALUE}).")
    int lensTop = 10;

    @Option(names = "--merge", arity = "2..*", paramLabel = "DIR", description = "Merge these mined shard directories into --out.")
    List<Path> merge;

    @Option(names = "--bench", paramLabel = "FILE.json",
            description = "Also time the bare forward pass on every batch and record throughput and peak RSS in FILE "
                    + "(keys suffixed by --bench-label; other keys kept).")
    Path bench;

    @Option(names = "--bench-label", defaultValue = "run", paramLabel = "LABEL", description = "Label of this run in --bench (e.g. 100k, 1m).")
    String benchLabel = "run";

    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter w = spec.commandLine().getOut();
        if (merge != null) {
            if (model != null || sae.present() || corpus != null || tokens != null) {
                throw new IllegalArgumentException("--merge reads everything from the shard directories: do not give --model, --sae, "
                        + "--corpus or --tokens");
            }
            MiningIndex idx = MiningOutput.merge(merge, out);
            w.println("merged " + merge.size() + " shards: " + idx.tokens() + " tokens, " + idx.latents().size() + " latents ("
                    + idx.dead().size() + " dead) → " + out);
            w.flush();
            return 0;
        }
        if (model == null || !sae.present() || corpus == null || tokens == null) {
            throw new IllegalArgumentException("mine needs --model, --sae, --corpus and --tokens (or --merge DIR... --out DIR)");
        }
        MiningConfig cfg = new MiningConfig(k, window, perDecile, random, seed, scoreFraction);
        ModelOptions mo = new ModelOptions();
        mo.home = Main.home(spec);
        mo.model = model;
        mo.device = device;
        try (ModelOptions.Opened opened = mo.open(); Sae s = sae.open(opened.manager(), quiet)) {
            LanguageModel lm = opened.model();
            int seqLen = Math.min(seq, lm.config().contextLength());
            MiningJob.Builder job = MiningJob.builder(lm, s, corpus).config(cfg).textField(textField).tokens(tokens).batch(batch)
                    .seqLen(seqLen).source(source).lensTop(lensTop).measureForward(bench != null).progress(progress(tokens))
                    .provenance(model, sae.sae);
            if (directions != null) {
                LatentFunction.loadDirections(directions, s, opened.manager()).forEach(job::add);
            }
            if (shard != null) {
                int[] in = parseShard(shard);
                job.shard(in[0], in[1]);
            }
            MiningJob.Result mined = job.build().run(out);
            Miner.Result res = mined.mining();
            MiningIndex idx = mined.index();
            if (!quiet) {
                System.err.println();
            }
            w.printf(Locale.ROOT, "mined %d tokens (%d sequences) in %.1f s: %.0f tokens/s; %d latents, %d dead → %s%n", res.tokens(),
                    res.sequences(), res.seconds() - res.forwardSeconds(), res.tokensPerSecond(), idx.latents().size(), idx.dead().size(),
                    out);
            if (bench != null) {
                MiningBench.write(bench, benchLabel, res, "isaerft " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
                w.printf(Locale.ROOT, "bench: mining %.0f tokens/s, bare forward %.0f tokens/s (ratio %.2f) → %s%n", res.tokensPerSecond(),
                        res.forwardTokensPerSecond(), res.tokensPerSecond() / res.forwardTokensPerSecond(), bench);
            }
            w.flush();
        }
        return 0;
    }

    private Miner.Progress progress(long total) {
        if (quiet) {
            return null;
        }
        long[] last = {0};
        return (done, nSeq, seconds) -> {
            long now = System.nanoTime();
            if (now - last[0] > 1_000_000_000L || done >= total) {
                last[0] = now;
                System.err.printf(Locale.ROOT, "\rmined %,d / %,d tokens (%d sequences), %.0f tokens/s   ", done, total, nSeq,
                        seconds > 0 ? done / seconds : 0.0);
                System.err.flush();
            }
        };
    }

    static int[] parseShard(String s) {
        String[] p = s.split("/");
        try {
            if (p.length == 2) {
                int i = Integer.parseInt(p[0].trim());
                int n = Integer.parseInt(p[1].trim());
                if (n >= 1 && i >= 0 && i < n) {
                    return new int[] {i, n};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new IllegalArgumentException("--shard must be I/N with 0 <= I < N (e.g. 0/4), found '" + s + "'");
    }
}
