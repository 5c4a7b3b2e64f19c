package org.isaerft.run;

import java.nio.file.Path;
import org.isaerft.explain.Explainer;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.Prompt;

/** Makes the explainer of one interpretation method (tests substitute one that fails on purpose). */
@FunctionalInterface
public interface ExplainerFactory {
    /**
     * @param method   token-stats | logit-lens | llm-oai | llm-delphi
     * @param cacheDir folder for the LLM response cache of this method
     */
    Made create(String method, Path cacheDir);

    /** The explainer and, for LLM methods, its client and prompt (null for offline methods). */
    record Made(Explainer explainer, LlmClient client, Prompt prompt) {}
}
