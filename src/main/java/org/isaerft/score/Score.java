package org.isaerft.score;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.activations.LatentId;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Usage;

/**
 * One scorer's verdict on one explanation of one latent. One JSON object per line in
 * {@code scores.jsonl}. Exactly one of {@code value} and {@code undefined} is set: a score that
 * cannot be computed (constant predictions, a single class, an unparseable LLM answer…) is an
 * explicit {@link Undefined} with a reason, never NaN and never 0 as a stand-in.
 *
 * @param latent      the latent whose held-out examples were scored
 * @param explanation which explanation was scored (its own latent differs from {@code latent} for the
 *                    shuffled baseline)
 * @param scorer      {@code simulation}, {@code detection}, {@code fuzzing} or {@code embedding}
 * @param baseline    {@code none} for the real explanation, {@code shuffled} for another latent's
 * @param value       the scorer's headline value (correlation, balanced accuracy, AUROC), or null
 * @param undefined   why there is no value, or null
 * @param metrics     every metric the scorer computed (null entries are undefined metrics)
 * @param details     per-example details (labels, predictions, probabilities, similarities)
 * @param prompt      the prompt used (null for offline scorers)
 * @param usage       LLM tokens and cost spent on this score
 */
public record Score(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        LatentId latent,
        ExplanationRef explanation,
        String scorer,
        String baseline,
        Double value,
        Undefined undefined,
        Map<String, Double> metrics,
        List<ExampleDetail> details,
        PromptRef prompt,
        Usage usage) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "score";
    public static final String BASELINE_NONE = "none";
    public static final String BASELINE_SHUFFLED = "shuffled";

    public Score {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected a score with schema_version " + SCHEMA_VERSION + ", found " + type + " v"
                    + schemaVersion);
        }
        if (latent == null || explanation == null || scorer == null || scorer.isBlank()) {
            throw new IllegalArgumentException("score needs a latent, an explanation reference and a scorer name");
        }
        if (!BASELINE_NONE.equals(baseline) && !BASELINE_SHUFFLED.equals(baseline)) {
            throw new IllegalArgumentException("score baseline must be 'none' or 'shuffled', found '" + baseline + "'");
        }
        if ((value == null) == (undefined == null)) {
            throw new IllegalArgumentException("score of " + latent + " by " + scorer + " needs exactly one of value and undefined");
        }
        if (value != null && !Double.isFinite(value)) {
            throw new IllegalArgumentException("score of " + latent + " by " + scorer + " is " + value
                    + "; a non-finite value must be an explicit undefined with a reason");
        }
        if (metrics != null) {
            for (Map.Entry<String, Double> e : metrics.entrySet()) {
                if (e.getValue() != null && !Double.isFinite(e.getValue())) {
                    throw new IllegalArgumentException("metric " + e.getKey() + " of " + latent + " is " + e.getValue()
                            + "; use null for an undefined metric");
                }
            }
        }
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metrics));
        details = List.copyOf(details == null ? List.of() : details);
        usage = usage == null ? Usage.NONE : usage;
    }

    public static Score defined(LatentId latent, ExplanationRef explanation, String scorer, double value, Map<String, Double> metrics,
            List<ExampleDetail> details, PromptRef prompt, Usage usage) {
        return new Score(SCHEMA_VERSION, TYPE, latent, explanation, scorer, explanation.baselineFor(latent), value, null, metrics,
                details, prompt, usage);
    }

    public static Score undefined(LatentId latent, ExplanationRef explanation, String scorer, Undefined why,
            Map<String, Double> metrics, List<ExampleDetail> details, PromptRef prompt, Usage usage) {
        return new Score(SCHEMA_VERSION, TYPE, latent, explanation, scorer, explanation.baselineFor(latent), null, why, metrics,
                details, prompt, usage);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isDefined() {
        return value != null;
    }

    /** Why a score (or a whole latent) has no value. */
    public enum Reason {
        /** the predictions were the same for every token/example: correlation is undefined */
        CONSTANT_PREDICTION,
        /** the true activations were the same for every token: correlation is undefined */
        CONSTANT_ACTIVATION,
        /** only one class (activating or not) among the held-out examples */
        SINGLE_CLASS,
        /** no held-out ({@code score} split) examples to score on */
        NO_EXAMPLES,
        /** the LLM's answer could not be parsed into the required form */
        UNPARSEABLE_ANSWER,
        /** the LLM call failed after retries */
        LLM_ERROR;

        /** snake_case, as written to disk. */
        @com.fasterxml.jackson.annotation.JsonValue
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Reason parse(String code) {
            return valueOf(code.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** An explicit "no value", with a machine reason and a human message. */
    public record Undefined(Reason reason, String message) {
        public Undefined {
            if (reason == null) {
                throw new IllegalArgumentException("an undefined score needs a reason");
            }
        }
    }

    /**
     * Which explanation was scored.
     *
     * @param latent            the latent the explanation was written for
     * @param method            the explanation's method
     * @param descriptionSha256 sha256 of the description text (UTF-8)
     */
    public record ExplanationRef(LatentId latent, String method, String descriptionSha256) {
        public static ExplanationRef of(Explanation e) {
            return new ExplanationRef(e.latent(), e.method(), sha256(e.description()));
        }

        String baselineFor(LatentId scored) {
            return latent.equals(scored) ? BASELINE_NONE : BASELINE_SHUFFLED;
        }
    }

    /** The prompt a score was made with. */
    public record PromptRef(String id, String version, String sha256) {
        public static PromptRef of(org.isaerft.llm.Prompt p) {
            return new PromptRef(p.id(), p.version(), p.sha256());
        }
    }

    /**
     * What happened to one held-out example. Fields that do not apply to a scorer are null.
     *
     * @param ref                  {@code top:i}, {@code decile:i} or {@code random:i} (index in the record's list)
     * @param label                true if the example is a positive (activating / correctly highlighted)
     * @param predicted            the judge's yes/no answer
     * @param probability          P(yes) from log-probabilities
     * @param similarity           cosine similarity (embedding scorer)
     * @param highlighted          token positions highlighted (fuzzing)
     * @param trueActivations      the latent's activations per token (simulation)
     * @param predictedActivations the simulator's expected activation per token (simulation)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExampleDetail(String ref, Boolean label, Boolean predicted, Double probability, Double similarity,
            int[] highlighted, float[] trueActivations, double[] predictedActivations) {}

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
