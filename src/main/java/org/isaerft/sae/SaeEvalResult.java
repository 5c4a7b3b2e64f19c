package org.isaerft.sae;

import java.util.Locale;
import java.util.Map;

/**
 * What {@link SaeEvaluator} measured, as written to JSON ({@code type: "sae_eval"}).
 *
 * <ul>
 *   <li>{@code l0}: mean number of non-zero latents per token.</li>
 *   <li>{@code alive}: latents non-zero on at least one evaluated token; {@code dead = d_sae − alive};
 *   fractions of d_sae.</li>
 *   <li>{@code mse}: mean over tokens and dimensions of (x_in − x̂)², in the SAE's input space.</li>
 *   <li>{@code explained_variance}: 1 − Σ‖x_in − x̂‖² / Σ‖x_in − μ‖², μ the mean input over all
 *   evaluated tokens.</li>
 *   <li>{@code ce_clean}, {@code ce_spliced}: mean next-token cross-entropy (nats) over every
 *   position that has a next token in its window; {@code ce_increase = ce_spliced − ce_clean}.</li>
 *   <li>{@code kl}: mean over all token positions of KL(p_clean ‖ p_spliced) of the next-token
 *   distributions (nats).</li>
 * </ul>
 */
public record SaeEvalResult(
        int schemaVersion,
        String type,
        String model,
        String sae,
        String saeFormat,
        String hook,
        int dIn,
        int dSae,
        String corpus,
        long tokensRequested,
        long tokens,
        int batch,
        int seq,
        double l0,
        int alive,
        int dead,
        double aliveFraction,
        double deadFraction,
        double mse,
        double explainedVariance,
        double ceClean,
        double ceSpliced,
        double ceIncrease,
        double kl,
        Map<String, String> versions) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "sae_eval";

    public SaeEvalResult {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("sae_eval schema_version " + schemaVersion + " is not supported (expected " + SCHEMA_VERSION + ")");
        }
        if (!TYPE.equals(type)) {
            throw new IllegalArgumentException("expected type sae_eval, found " + type);
        }
        if (alive + dead != dSae) {
            throw new IllegalArgumentException("alive (" + alive + ") + dead (" + dead + ") must equal d_sae (" + dSae + ")");
        }
        versions = versions == null ? Map.of() : Map.copyOf(versions);
    }

    /** A readable table. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "SAE %s (%s) at %s, d_in %d, d_sae %d%n", sae, saeFormat, hook, dIn, dSae));
        sb.append(String.format(Locale.ROOT, "model %s, corpus %s, %d tokens (%d × %d windows)%n", model, corpus, tokens, tokens / seq, seq));
        String row = "  %-22s %s%n";
        sb.append(String.format(Locale.ROOT, row, "L0", fmt(l0)));
        sb.append(String.format(Locale.ROOT, row, "alive latents", alive + " (" + pct(aliveFraction) + ")"));
        sb.append(String.format(Locale.ROOT, row, "dead latents", dead + " (" + pct(deadFraction) + ")"));
        sb.append(String.format(Locale.ROOT, row, "MSE (input space)", fmt(mse)));
        sb.append(String.format(Locale.ROOT, row, "explained variance", fmt(explainedVariance)));
        sb.append(String.format(Locale.ROOT, row, "CE clean", fmt(ceClean)));
        sb.append(String.format(Locale.ROOT, row, "CE spliced", fmt(ceSpliced)));
        sb.append(String.format(Locale.ROOT, row, "CE increase", fmt(ceIncrease)));
        sb.append(String.format(Locale.ROOT, row, "KL(clean‖spliced)", fmt(kl)));
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
