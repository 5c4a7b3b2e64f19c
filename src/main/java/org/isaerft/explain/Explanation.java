package org.isaerft.explain;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.isaerft.activations.LatentId;
import org.isaerft.llm.Usage;

/**
 * One description of one latent by one interpretation method. One JSON object per line in
 * {@code explanations.jsonl}.
 *
 * @param method        {@code llm:<provider>/<model>:<style>}, {@code token-stats}, {@code logit-lens},
 *                      {@code shuffled}, …
 * @param promptId      prompt id (null for methods without a prompt)
 * @param promptVersion prompt version (null without a prompt)
 * @param promptSha256  sha256 of the fully rendered prompt template files (null without a prompt)
 * @param examplesUsed  references of the examples shown ("top:0", "decile:3:1", …); explain split only
 * @param usage         tokens and cost (zeros for offline methods)
 * @param createdAt     ISO-8601 instant
 */
public record Explanation(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        LatentId latent,
        String description,
        String method,
        String promptId,
        String promptVersion,
        String promptSha256,
        List<String> examplesUsed,
        Usage usage,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "explanation";

    public Explanation {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected an explanation with schema_version " + SCHEMA_VERSION + ", found "
                    + type + " v" + schemaVersion);
        }
        if (latent == null || method == null || method.isBlank()) {
            throw new IllegalArgumentException("explanation needs a latent and a method");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("explanation of " + latent + " by " + method + " is empty; a failed "
                    + "explanation is a typed failure, never an empty description");
        }
        examplesUsed = List.copyOf(examplesUsed == null ? List.of() : examplesUsed);
        usage = usage == null ? Usage.NONE : usage;
    }

    public static Explanation of(LatentId latent, String description, String method, String promptId, String promptVersion,
            String promptSha256, List<String> examplesUsed, Usage usage) {
        return new Explanation(SCHEMA_VERSION, TYPE, latent, description, method, promptId, promptVersion, promptSha256,
                examplesUsed, usage, java.time.Instant.now().toString());
    }
}
