package org.isaerft.model.gpt2;

import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.model.Tokenizer;

/**
 * Picks the tokenizer of a GPT-2 directory: its {@code tokenizer.json} (DJL HF tokenizers) when
 * present; else GPT-2's BPE (jtokkit r50k_base) when the vocabulary is GPT-2's 50257; else an
 * {@link IdTokenizer} whose text form is the ids themselves (synthetic models such as the
 * gpt2-tiny fixture). GPT-2 models prepend BOS by default, as TransformerLens does.
 */
public final class Gpt2Tokenizers {
    private Gpt2Tokenizers() {}

    public static Tokenizer forDirectory(Path dir, Gpt2Config cfg) {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return new HfTokenizer(json, cfg.vocabSize(), cfg.bosTokenId(), cfg.eosTokenId(), true);
        }
        if (cfg.vocabSize() == Gpt2Config.GPT2_VOCAB) {
            return new Gpt2BpeTokenizer();
        }
        return new IdTokenizer(cfg.vocabSize(), cfg.bosTokenId(), cfg.eosTokenId(), true);
    }
}
