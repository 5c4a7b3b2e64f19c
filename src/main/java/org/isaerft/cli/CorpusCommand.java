package org.isaerft.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.Tokenizer;
import org.isaerft.util.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft corpus …}: make corpora. */
@Command(name = "corpus", mixinStandardHelpOptions = true, description = "Corpora: sample in-distribution text from a model.",
        subcommands = {CorpusCommand.Sample.class})
public final class CorpusCommand extends GroupCommand {
    /**
     * Samples N documents from the model, each continued from BOS alone (or from --prompt) with
     * seed {@code seed + i}, temperature-sampled, stopping at EOS; writes them separated by blank
     * lines (the plain-text corpus format; blank lines inside a document are collapsed to single
     * newlines so each sample stays one document). Documents are decoded --batch at a time with a
     * key/value cache where the family has one ({@link LanguageModel#generateBatch}). Deterministic for
     * a given model, seed and options.
     */
    @Command(name = "sample", mixinStandardHelpOptions = true,
            description = "Sample documents from a model with a fixed seed into a plain-text corpus file (atomic write).")
    static final class Sample implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions = new ModelOptions();

        @Option(names = "--documents", defaultValue = "100", paramLabel = "N", description = "Documents to sample (default: ${DEFAULT-VALUE}).")
        int documents;

        @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "T", description = "Tokens per document at most (default: ${DEFAULT-VALUE}).")
        int maxNewTokens;

        @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T", description = "Sampling temperature, > 0 (default: ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Document i uses seed S + i (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
                description = "Documents decoded together (one batched forward per token; same documents up to float rounding) (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "Text every document starts with (default: none, BOS only).")
        String prompt;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output text file.")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (documents <= 0 || maxNewTokens <= 0 || !(temperature > 0) || batch <= 0) {
                throw new IllegalArgumentException("--documents, --max-new-tokens and --batch must be positive and --temperature > 0");
            }
            PrintStream err = System.err;
            try (ModelOptions.Opened opened = modelOptions.open()) {
                LanguageModel lm = opened.model();
                Tokenizer tok = lm.tokenizer();
                int[] promptIds = tok.encode(prompt, true);
                if (promptIds.length == 0) {
                    throw new IllegalArgumentException("the model has no BOS token: give --prompt");
                }
                StringBuilder sb = new StringBuilder();
                long tokens = 0;
                int kept = 0;
                long t0 = System.nanoTime();
                for (int first = 0; first < documents; first += batch) {
                    int rows = Math.min(batch, documents - first);
                    int[][] prompts = new int[rows][];
                    List<GenerationConfig> configs = new ArrayList<>(rows);
                    for (int r = 0; r < rows; r++) {
                        prompts[r] = promptIds;
                        configs.add(new GenerationConfig(maxNewTokens, temperature, 0, seed + first + r, true));
                    }
                    int[][] generated = lm.generateBatch(prompts, configs, Hooks.none());
                    for (int[] ids : generated) {
                        tokens += ids.length;
                        int[] all = new int[promptIds.length + ids.length];
                        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
                        System.arraycopy(ids, 0, all, promptIds.length, ids.length);
                        String text = tok.decode(all).strip().replaceAll("\\n\\s*\\n+", "\n");
                        if (!text.isEmpty()) {
                            sb.append(text).append("\n\n");
                            kept++;
                        }
                    }
                    err.printf("sampled %d/%d documents, %d tokens, %.0f tok/s%n", first + rows, documents, tokens,
                            tokens / ((System.nanoTime() - t0) / 1e9));
                }
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                AtomicFiles.writeBytes(out, sb.toString().getBytes(StandardCharsets.UTF_8));
                err.printf("wrote %s: %d documents (%d non-empty), %d sampled tokens%n", out, documents, kept, tokens);
            }
            return 0;
        }
    }
}
