package org.isaerft.model.llama;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamily;

/**
 * The Llama family ({@code model_type} "llama"): HF-layout directories, and llama2.c directories
 * (a version-0 {@code *.bin} checkpoint next to a {@code tok*.bin} tokenizer, as
 * {@code stories260K/}), recognised without a config.json.
 */
public final class LlamaFamily implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of("llama");
    }

    @Override
    public boolean recognises(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        var bins = LlamaLoader.checkpointCandidates(dir);
        if (bins.size() != 1 || LlamaLoader.tokenizerCandidates(dir).isEmpty()) {
            return false;
        }
        try {
            Llama2cCheckpoint.readHeader(bins.get(0));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public LanguageModel load(Path dir, NDManager parent) {
        return LlamaLoader.load(dir, parent);
    }
}
