package org.isaerft.adapter.task;

import java.util.List;
import java.util.Locale;

/**
 * The {@code planted:} block of a task card: the ground truth of a card whose text was sampled from
 * the model while it was steered (see {@code org.isaerft.recovery}). It travels with the data, so
 * any later analysis can check its answer against it.
 *
 * @param kind           {@code steered} (text sampled under steering), {@code control} (its unsteered
 *                       twin: same prompt and seeds, no steering), {@code poison} (a fraction of the
 *                       documents are the trigger sentence followed by steered text) or
 *                       {@code poison-clean} (its clean twin: the same documents without trigger or steering)
 * @param model          model spec the text was sampled from
 * @param sae            SAE spec whose latents were planted
 * @param saeId          that SAE's id
 * @param hook           hook point the steering vector was added at
 * @param latents        planted latents, with their residual directions
 * @param strength       S in the steering rule
 * @param rule           the steering rule in words
 * @param steeringVector the vector added at every position, [d_in] (all zeros for control cards)
 * @param prompt         text every document continues (empty: BOS only)
 * @param maxNewTokens   tokens sampled per document
 * @param temperature    sampling temperature
 * @param topK           top-k restriction (0 = none)
 * @param seeds          one sampling seed per document, in document order
 * @param twin           file name of the twin card (control ↔ steered, poison ↔ poison-clean)
 * @param trigger        poison cards: the trigger sentence (null otherwise)
 * @param poisonFraction poison cards: fraction of documents that are trigger + steered text
 * @param about          poison and poison-clean cards: what the card is, in words (the card's {@code description} is
 *                       then the clean task's expectation, which the audit judges against; null when absent)
 * @param strengthUnit   what {@code strength} is measured in: {@code residual} (each latent adds S × ρ / ‖r_i‖ × r_i, a
 *                       vector of norm S × ρ) or {@code max-act} (S × max_act × r_i); null (not written) means max-act, as
 *                       every card written before units existed
 * @param residualNorm   ρ of unit residual: the median L2 norm of the raw activation at the hook over the scan's tokens
 *                       (null with max-act)
 */
public record Planted(
        String kind,
        String model,
        String sae,
        String saeId,
        String hook,
        List<Latent> latents,
        double strength,
        String rule,
        List<Float> steeringVector,
        String prompt,
        int maxNewTokens,
        double temperature,
        int topK,
        List<Long> seeds,
        String twin,
        String trigger,
        Double poisonFraction,
        String about,
        String strengthUnit,
        Double residualNorm) {
    /** The strength units a card may name. */
    public static final List<String> STRENGTH_UNITS = List.of("max-act", "residual");

    public static final List<String> KINDS = List.of("steered", "control", "poison", "poison-clean");

    public Planted {
        kind = kind == null ? null : kind.toLowerCase(Locale.ROOT);
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("planted.kind: expected one of " + KINDS + ", found '" + kind + "'");
        }
        if (hook == null || hook.isBlank()) {
            throw new IllegalArgumentException("planted.hook: required (the hook point the steering was added at)");
        }
        if (latents == null || latents.isEmpty()) {
            throw new IllegalArgumentException("planted.latents: at least one planted latent is required");
        }
        latents = List.copyOf(latents);
        if (!(strength >= 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("planted.strength: must be a finite number >= 0, found " + strength);
        }
        if (steeringVector == null || steeringVector.isEmpty()) {
            throw new IllegalArgumentException("planted.steering_vector: required");
        }
        steeringVector = List.copyOf(steeringVector);
        for (Latent l : latents) {
            if (l.residualDirection().size() != steeringVector.size()) {
                throw new IllegalArgumentException("planted.latents: latent " + l.latent() + " has a direction of "
                        + l.residualDirection().size() + " components but the steering vector has " + steeringVector.size());
            }
        }
        if (seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("planted.seeds: one sampling seed per document is required");
        }
        seeds = List.copyOf(seeds);
        if (prompt == null) {
            prompt = "";
        }
        if (maxNewTokens <= 0 || temperature < 0 || topK < 0) {
            throw new IllegalArgumentException("planted: max_new_tokens must be > 0, temperature >= 0, top_k >= 0 (found "
                    + maxNewTokens + ", " + temperature + ", " + topK + ")");
        }
        boolean poison = kind.startsWith("poison");
        if (poison && (trigger == null || trigger.isBlank() || poisonFraction == null || !(poisonFraction > 0 && poisonFraction <= 1))) {
            throw new IllegalArgumentException("planted: poison cards need a trigger sentence and poison_fraction in (0, 1], found '"
                    + trigger + "', " + poisonFraction);
        }
        if (!poison && (trigger != null || poisonFraction != null)) {
            throw new IllegalArgumentException("planted: trigger and poison_fraction belong to poison cards only (kind " + kind + ")");
        }
        if (strengthUnit != null && !STRENGTH_UNITS.contains(strengthUnit)) {
            throw new IllegalArgumentException("planted.strength_unit: expected one of " + STRENGTH_UNITS + ", found '" + strengthUnit + "'");
        }
        if ("residual".equals(strengthUnit) && (residualNorm == null || !(residualNorm > 0) || residualNorm.isInfinite())) {
            throw new IllegalArgumentException("planted.residual_norm: strength unit residual needs the median residual norm ρ > 0, found "
                    + residualNorm);
        }
    }

    /** A block without strength unit and ρ (max-act, as written before units existed). */
    public Planted(String kind, String model, String sae, String saeId, String hook, List<Latent> latents, double strength, String rule,
            List<Float> steeringVector, String prompt, int maxNewTokens, double temperature, int topK, List<Long> seeds, String twin,
            String trigger, Double poisonFraction, String about) {
        this(kind, model, sae, saeId, hook, latents, strength, rule, steeringVector, prompt, maxNewTokens, temperature, topK, seeds, twin,
                trigger, poisonFraction, about, null, null);
    }

    /** What {@code strength} is measured in: {@code strength_unit}, or max-act when the card does not say. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String unit() {
        return strengthUnit == null ? "max-act" : strengthUnit;
    }

    /** A block without {@code about} (as written before it existed). */
    public Planted(String kind, String model, String sae, String saeId, String hook, List<Latent> latents, double strength, String rule,
            List<Float> steeringVector, String prompt, int maxNewTokens, double temperature, int topK, List<Long> seeds, String twin,
            String trigger, Double poisonFraction) {
        this(kind, model, sae, saeId, hook, latents, strength, rule, steeringVector, prompt, maxNewTokens, temperature, topK, seeds, twin,
                trigger, poisonFraction, null);
    }

    /** The twin card's name: {@code twin} without its {@code .yaml}/{@code .yml} ending (null without a twin). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String twinName() {
        if (twin == null || twin.isBlank()) {
            return null;
        }
        String n = java.nio.file.Path.of(twin).getFileName().toString();
        return n.replaceFirst("\\.ya?ml$", "");
    }

    /** Indices of the planted latents. */
    public int[] latentIds() {
        return latents.stream().mapToInt(Latent::latent).toArray();
    }

    public float[] steeringVectorArray() {
        float[] v = new float[steeringVector.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = steeringVector.get(i);
        }
        return v;
    }

    /**
     * One planted latent.
     *
     * @param latent            index in the planting SAE
     * @param maxAct            its max activation over the scan corpus
     * @param freq              its firing frequency over the scan corpus
     * @param residualDirection r_i = toRaw(decode(e_i)) − toRaw(decode(0)), [d_in]
     */
    public record Latent(int latent, double maxAct, double freq, List<Float> residualDirection) {
        public Latent {
            if (latent < 0) {
                throw new IllegalArgumentException("planted.latents[].latent: must be >= 0, found " + latent);
            }
            if (!(maxAct >= 0) || !(freq >= 0 && freq <= 1)) {
                throw new IllegalArgumentException("planted.latents[" + latent + "]: max_act must be >= 0 and freq in [0, 1], found "
                        + maxAct + ", " + freq);
            }
            if (residualDirection == null || residualDirection.isEmpty()) {
                throw new IllegalArgumentException("planted.latents[" + latent + "].residual_direction: required");
            }
            residualDirection = List.copyOf(residualDirection);
        }

        public float[] direction() {
            float[] v = new float[residualDirection.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = residualDirection.get(i);
            }
            return v;
        }
    }

    public static List<Float> boxed(float[] v) {
        List<Float> out = new java.util.ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }
}
