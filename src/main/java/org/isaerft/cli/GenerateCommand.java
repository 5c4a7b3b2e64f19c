package org.isaerft.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.Tokenizer;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code isaerft generate}: continues a prompt. Greedy at temperature 0, else sampled from
 * softmax(logits / T) (optionally top-k) with a seeded generator. With {@code --json} prints one
 * JSON object: {@code prompt_ids}, {@code output_ids} (new tokens only), {@code text} (prompt and
 * continuation decoded together).
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a model (greedy at --temperature 0, else seeded sampling).")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "Text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "32", paramLabel = "N", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "0 = greedy (default); > 0 samples from softmax(logits / T).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample only from the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ignore-eos", description = "Keep generating after the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print one JSON object {prompt_ids, output_ids, text}.")
    boolean json;

    @Override
    public Integer call() {
        GenerationConfig cfg = new GenerationConfig(maxNewTokens, temperature, topK, seed, !ignoreEos);
        try (ModelOptions.Opened opened = modelOptions.open()) {
            LanguageModel model = opened.model();
            Tokenizer tok = model.tokenizer();
            int[] promptIds = tok.encode(prompt, tok.prependsBos());
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("--prompt encodes to no tokens and the model adds no BOS; give a non-empty prompt");
            }
            int[] out = model.generate(promptIds, cfg, Hooks.none());
            int[] all = Arrays.copyOf(promptIds, promptIds.length + out.length);
            System.arraycopy(out, 0, all, promptIds.length, out.length);
            String text = tok.decode(all);
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_ids", promptIds);
                o.put("output_ids", out);
                o.put("text", text);
                w.println(Json.line(o));
            } else {
                w.println(text);
                w.println();
                w.println("prompt ids (" + promptIds.length + "): " + Arrays.toString(promptIds));
                w.println("new ids (" + out.length + "): " + Arrays.toString(out));
            }
            w.flush();
        }
        return 0;
    }
}
