package org.isaerft.llm;

import java.util.List;

/**
 * What one chat request returned.
 *
 * @param text         the assistant's text
 * @param logprobs     per output token log-probabilities; empty when not requested or not supported
 * @param usage        tokens and estimated cost of producing this answer (when first produced)
 * @param fromCache    true when read from the disk cache (no request was made)
 * @param finishReason the provider's finish reason (e.g. STOP, LENGTH), may be null
 * @param cacheKey     sha256 of (provider, model, parameters, messages, sample)
 */
public record LlmResponse(String text, List<TokenLogprobs> logprobs, Usage usage, boolean fromCache,
        String finishReason, String cacheKey) {
    public LlmResponse {
        if (text == null) {
            throw new IllegalArgumentException("llm response needs text");
        }
        logprobs = List.copyOf(logprobs == null ? List.of() : logprobs);
        usage = usage == null ? Usage.NONE : usage;
    }

    public boolean hasLogprobs() {
        return !logprobs.isEmpty();
    }
}
