package org.isaerft.model.gpt2;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Set;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamily;

/** The GPT-2 family: Hugging Face directories with {@code model_type: "gpt2"}. */
public final class Gpt2Family implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of(Gpt2Config.MODEL_TYPE);
    }

    @Override
    public LanguageModel load(Path dir, NDManager parent) {
        return Gpt2Model.load(dir, parent);
    }
}
