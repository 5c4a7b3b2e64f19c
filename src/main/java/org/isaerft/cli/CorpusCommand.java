package org.isaerft.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * newlines so each sample stays one document). Deterministic for a given model, seed and options.
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

        @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "Text every document starts with (default: none, BOS only).")
        String prompt;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output text file.")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (documents <= 0 || maxNewTokens <= 0 || !(temperature > 0)) {
                throw new IllegalArgumentException("--documents and --max-new-tokens must be positive and --temperature > 0");
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
                long t0 = System.nanoTime();
                for (int i = 0; i < documents; i++) {
                    int[] ids = lm.generate(promptIds, new GenerationConfig(maxNewTokens, temperature, 0, seed + i, true), Hooks.none());
                    tokens += ids.length;
                    int[] all = new int[promptIds.length + ids.length];
                    System.arraycopy(promptIds, 0, all, 0, promptIds.length);
                    System.arraycopy(ids, 0, all, promptIds.length, ids.length);
                    String text = tok.decode(all).strip().replaceAll("\\n\\s*\\n+", "\n");
                    if (text.isEmpty()) {
                        continue;
                    }
                    sb.append(text).append("\n\n");
                    if ((i + 1) % 20 == 0) {
                        err.printf("sampled %d/%d documents, %d tokens, %.0f tok/s%n", i + 1, documents, tokens,
                                tokens / ((System.nanoTime() - t0) / 1e9));
                    }
                }
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                AtomicFiles.writeBytes(out, sb.toString().getBytes(StandardCharsets.UTF_8));
                err.printf("wrote %s: %d documents, %d sampled tokens%n", out, documents, tokens);
            }
            return 0;
        }
    }
}
