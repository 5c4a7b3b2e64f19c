package org.isaerft.score;

import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.util.List;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Prompt;

/**
 * What the LLM-based scorers need from a chat model: one request in, the answer text and (when
 * the provider returns them) per-token top log-probabilities out. Implementations translate to
 * a concrete client and wrap every provider failure in {@link CallFailed}.
 */
public interface ScoringLlm {
    /** {@code provider/model}, recorded with results. */
    String name();

    /** Sends one chat request. Throws {@link CallFailed} when the call fails after retries. */
    Reply complete(Request request);

    /**
     * One chat request.
     *
     * @param system      system message (null for none)
     * @param fewShot     worked (user, assistant) pairs sent before {@code user}
     * @param user        the user message
     * @param topLogprobs number of top log-probabilities per output token to ask for (0 = none)
     * @param jsonSchema  structured-output schema the answer must follow (null = free text)
     * @param temperature sampling temperature (scorers use 0)
     * @param maxTokens   cap on output tokens
     */
    record Request(String system, List<Prompt.Shot> fewShot, String user, int topLogprobs, JsonSchema jsonSchema,
            double temperature, int maxTokens) {
        public Request {
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("LLM request needs a user message");
            }
            if (topLogprobs < 0 || topLogprobs > 20) {
                throw new IllegalArgumentException("top_logprobs must be 0..20, found " + topLogprobs);
            }
            fewShot = List.copyOf(fewShot == null ? List.of() : fewShot);
        }
    }

    /**
     * The answer.
     *
     * @param logprobs one entry per output token, or null when the provider returned none
     */
    record Reply(String text, List<TokenLogprob> logprobs, Explanation.Usage usage) {
        public Reply {
            if (text == null) {
                throw new IllegalArgumentException("LLM reply without text");
            }
            logprobs = logprobs == null || logprobs.isEmpty() ? null : List.copyOf(logprobs);
            usage = usage == null ? Explanation.Usage.NONE : usage;
        }

        public boolean hasLogprobs() {
            return logprobs != null;
        }
    }

    /** One output token with its log-probability and the most likely alternatives at its position. */
    record TokenLogprob(String token, double logprob, List<Alternative> top) {
        public TokenLogprob {
            top = List.copyOf(top == null ? List.of() : top);
        }
    }

    /** One candidate token at a position. */
    record Alternative(String token, double logprob) {}

    /** The provider call failed (after the client's retries); a scorer turns it into an undefined score. */
    final class CallFailed extends RuntimeException {
        public CallFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
