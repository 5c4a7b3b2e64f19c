package org.isaerft.score;

import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.util.List;
import org.isaerft.llm.Message;
import org.isaerft.llm.TokenLogprobs;
import org.isaerft.llm.Usage;

/**
 * What the LLM-based scorers need from the LLM layer: a conversation in, the answer text and
 * (when the provider returns them) per-token top log-probabilities out. The production
 * implementation is {@link LlmClientScoringLlm} (cache, retries, rate limit, budget); tests plug in
 * deterministic fakes. Provider failures after retries surface as {@link CallFailed}; a budget
 * stop ({@link org.isaerft.llm.BudgetExceededException}) propagates and ends the run.
 */
public interface ScoringLlm {
    /** {@code provider/model}, recorded with results. */
    String name();

    /** True if replies are expected to carry top log-probabilities (an OpenAI-compatible server asked for them). */
    boolean returnsLogprobs();

    /**
     * Sends one conversation.
     *
     * @param jsonSchema the structure the answer must follow, enforced by the provider where it supports
     *                   structured output (null = free text); callers parse defensively either way
     */
    Reply complete(List<Message> messages, JsonSchema jsonSchema);

    /** Counts an answer the scorer could not parse (shown in the run's LLM summary). */
    default void parseFailure() {}

    /**
     * The answer.
     *
     * @param logprobs  one entry per output token; empty when the provider returned none
     * @param truncated true if the answer stopped at the output-token limit
     */
    record Reply(String text, List<TokenLogprobs> logprobs, Usage usage, boolean truncated) {
        public Reply {
            if (text == null) {
                throw new IllegalArgumentException("LLM reply without text");
            }
            logprobs = List.copyOf(logprobs == null ? List.of() : logprobs);
            usage = usage == null ? Usage.NONE : usage;
        }

        public boolean hasLogprobs() {
            return !logprobs.isEmpty();
        }
    }

    /** The provider call failed after the client's retries; a scorer turns it into an undefined score. */
    final class CallFailed extends RuntimeException {
        public CallFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
