package org.isaerft.explain;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import org.isaerft.activations.LatentId;
import org.isaerft.llm.Usage;

/** The outcome of explaining one latent: a {@link Success} or a typed {@link Failure}. */
public sealed interface ExplainResult permits ExplainResult.Success, ExplainResult.Failure {
    LatentId latent();

    /** Why a latent got no explanation. */
    enum Reason {
        /** The latent never fired. */
        DEAD_LATENT,
        /** No activating example in the explain split. */
        NO_EXAMPLES,
        /** Activations were all zero or negative: nothing to scale or mark. */
        NO_ACTIVATIONS,
        /** The record has no logit lens (e.g. an adapter unit without a decoder direction). */
        NO_LOGIT_LENS,
        /** Offline statistics found no over-represented token or context. */
        NO_SIGNAL,
        /** Every LLM answer (first + bounded retries) failed to parse; none is stored or scored. */
        UNPARSEABLE,
        /** The LLM request failed after the client's retries. */
        LLM_ERROR
    }

    /** An explanation was produced. */
    record Success(Explanation explanation) implements ExplainResult {
        public Success {
            if (explanation == null) {
                throw new IllegalArgumentException("success needs an explanation");
            }
        }

        @Override
        public LatentId latent() {
            return explanation.latent();
        }
    }

    /**
     * No explanation; on disk as {@code type: "explain_failure"}.
     *
     * @param attempts LLM answers obtained (0 for offline methods)
     * @param answers  the raw unparseable answers, kept for inspection only
     */
    record Failure(
            @JsonProperty("schema_version") int schemaVersion,
            String type,
            LatentId latent,
            String method,
            Reason reason,
            String message,
            int attempts,
            List<String> answers,
            Usage usage,
            String createdAt) implements ExplainResult {
        public static final int SCHEMA_VERSION = 1;
        public static final String TYPE = "explain_failure";

        public Failure {
            if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
                throw new IllegalArgumentException("expected an explain_failure v" + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
            }
            if (latent == null || method == null || reason == null) {
                throw new IllegalArgumentException("explain failure needs a latent, a method and a reason");
            }
            answers = List.copyOf(answers == null ? List.of() : answers);
            usage = usage == null ? Usage.NONE : usage;
        }

        public static Failure of(LatentId latent, String method, Reason reason, String message) {
            return of(latent, method, reason, message, 0, List.of(), Usage.NONE);
        }

        public static Failure of(LatentId latent, String method, Reason reason, String message, int attempts, List<String> answers,
                Usage usage) {
            return new Failure(SCHEMA_VERSION, TYPE, latent, method, reason, message, attempts, answers, usage, Instant.now().toString());
        }
    }
}
