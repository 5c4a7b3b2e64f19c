package org.isaerft.model;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * One architecture family, keyed by the Hugging Face {@code model_type} ("gpt2", "llama").
 * Implementations are listed in {@code META-INF/services/org.isaerft.model.ModelFamily}.
 */
public interface ModelFamily {
    /** The {@code model_type} values this family loads (e.g. "llama"). */
    java.util.Set<String> modelTypes();

    /** True if {@code dir} holds files of this family in a layout it can read without a config.json (e.g. llama2.c .bin). */
    default boolean recognises(Path dir) {
        return false;
    }

    /** Loads the model in {@code dir}; the weights live in a child of {@code parent}. */
    LanguageModel load(Path dir, NDManager parent);
}
