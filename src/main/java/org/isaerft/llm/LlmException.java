package org.isaerft.llm;

/** A typed failure of an LLM request, after the client's own retries. */
public class LlmException extends RuntimeException {
    /** Why a request failed. */
    public enum Kind {
        /** HTTP 429. Retried. */
        RATE_LIMITED(true),
        /** HTTP 5xx. Retried. */
        SERVER_ERROR(true),
        /** No answer within the timeout. Retried. */
        TIMEOUT(true),
        /** Connection refused/reset and similar I/O failures. Retried. */
        CONNECTION(true),
        /** A 200 answer that is not the provider's format, or has no text. Retried. */
        MALFORMED_RESPONSE(true),
        /** HTTP 4xx other than 429 (bad request, authentication, unknown model). Not retried. */
        CLIENT_ERROR(false),
        /** The run's budget would be exceeded. Not retried. */
        BUDGET_EXCEEDED(false),
        /** Anything else. Not retried. */
        OTHER(false);

        private final boolean retriable;

        Kind(boolean retriable) {
            this.retriable = retriable;
        }

        public boolean retriable() {
            return retriable;
        }
    }

    private final Kind kind;
    private final int attempts;

    public LlmException(Kind kind, int attempts, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.attempts = attempts;
    }

    public Kind kind() {
        return kind;
    }

    /** Requests made before giving up. */
    public int attempts() {
        return attempts;
    }
}
