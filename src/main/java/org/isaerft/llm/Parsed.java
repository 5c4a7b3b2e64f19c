package org.isaerft.llm;

import java.util.List;

/**
 * The outcome of {@link LlmClient#completeParsed}: an answer that parsed, or a typed failure.
 * Either way {@code rejected} holds the answers that did not parse (for inspection only) and
 * {@code usage} what all the answers cost.
 */
public sealed interface Parsed<T> permits Parsed.Ok, Parsed.Failed {
    List<String> rejected();

    Usage usage();

    /** An answer parsed into {@code value}. */
    record Ok<T>(T value, String answer, List<String> rejected, Usage usage) implements Parsed<T> {
        public Ok {
            rejected = List.copyOf(rejected);
        }
    }

    /** No usable answer. */
    record Failed<T>(Reason reason, String message, List<String> rejected, Usage usage) implements Parsed<T> {
        public Failed {
            rejected = List.copyOf(rejected);
        }
    }

    /** Why no answer was usable. */
    enum Reason {
        /** Every answer (first + retries) failed to parse. */
        UNPARSEABLE,
        /** The request failed after the client's retries ({@link LlmException}). */
        LLM_ERROR
    }
}
