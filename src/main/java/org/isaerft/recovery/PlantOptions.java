package org.isaerft.recovery;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link Planter} plants; build with {@link #builder()}.
 *
 * @param modelSpec      the model spec, recorded in the card
 * @param saeSpec        the SAE spec, recorded in the card
 * @param latents        latents to plant (their residual directions are summed)
 * @param strength       S: each latent adds S × max_act × r_i (unit max-act) or S × ρ / ‖r_i‖ × r_i (unit residual: a vector of norm S × ρ)
 * @param strengthUnit   what S is measured in ({@link StrengthUnit}; null: max-act)
 * @param documents      documents per card
 * @param seed           document i is sampled with seed {@code seed · 1_000_003 + i}
 * @param out            folder the cards and their text files are written to
 * @param name           card name (null: derived from SAE, latents, strength and seed)
 * @param prompt         text each document continues ("" = BOS only)
 * @param maxNewTokens   tokens sampled per document
 * @param temperature    sampling temperature (&gt; 0)
 * @param topK           top-k (0 = none)
 * @param batch          rows per forward pass while sampling (does not change the text)
 * @param poisonTrigger  when set, also write a poison card and its clean twin with this trigger sentence
 * @param poisonFraction fraction of poison-card documents that are trigger + steered text
 * @param heldoutFraction held-out fraction written into the cards' split
 * @param expectDescription the clean task's expectation, written as the poison card's and its clean twin's {@code description}
 *                       (what the audit judges latents against; must not name the trigger). Null: {@link PlantedValidation#CLEAN_DESCRIPTION}
 * @param expectConcepts the clean task's concepts, written as the poison card's and clean twin's {@code expected_concepts},
 *                       and, when given, the steered card's. Null: {@link PlantedValidation#CLEAN_CONCEPTS} (poison and clean
 *                       twin) and "planted latent I of SAE X" (steered card)
 * @param plantedDescriptions planted latent → its description (e.g. from the SAE's {@code latent_descriptions.json}); when set,
 *                       the steered card's expectation is the planted latents' own descriptions (its description and
 *                       {@code expected_concepts}; the human text moves to {@code planted.about}), so {@code validate} on it
 *                       asks whether the planted latent is ranked on-task. Must cover every planted latent.
 */
public record PlantOptions(String modelSpec, String saeSpec, List<Integer> latents, double strength, StrengthUnit strengthUnit, int documents, long seed,
        Path out, String name, String prompt, int maxNewTokens, double temperature, int topK, int batch, String poisonTrigger,
        double poisonFraction, double heldoutFraction, String expectDescription, List<String> expectConcepts,
        Map<Integer, String> plantedDescriptions) {
    public PlantOptions {
        if (latents == null || latents.isEmpty()) {
            throw new IllegalArgumentException("--latents: at least one latent id is required");
        }
        latents = List.copyOf(latents);
        if (!(strength >= 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("--strength: must be a finite number >= 0, found " + strength);
        }
        if (strengthUnit == null) {
            strengthUnit = StrengthUnit.MAX_ACT;
        }
        if (documents < 2) {
            throw new IllegalArgumentException("--documents: need at least 2 (a train and a held-out document), found " + documents);
        }
        if (out == null) {
            throw new IllegalArgumentException("--out: required (the folder the cards are written to)");
        }
        if (prompt == null) {
            prompt = "";
        }
        if (maxNewTokens <= 0 || !(temperature > 0) || topK < 0 || batch <= 0) {
            throw new IllegalArgumentException("planting needs max_new_tokens > 0, temperature > 0, top_k >= 0 and batch > 0, found "
                    + maxNewTokens + ", " + temperature + ", " + topK + ", " + batch);
        }
        if (poisonTrigger != null && (poisonTrigger.isBlank() || !(poisonFraction > 0 && poisonFraction <= 1))) {
            throw new IllegalArgumentException("--poison-trigger needs a non-blank sentence and --poison-fraction in (0, 1], found '"
                    + poisonTrigger + "', " + poisonFraction);
        }
        if (!(heldoutFraction > 0 && heldoutFraction < 1)) {
            throw new IllegalArgumentException("held-out fraction must be in (0, 1), found " + heldoutFraction);
        }
        if (expectDescription != null && expectDescription.isBlank()) {
            throw new IllegalArgumentException("--expect-description: must not be blank");
        }
        if (expectDescription != null && poisonTrigger != null
                && expectDescription.toLowerCase(java.util.Locale.ROOT).contains(poisonTrigger.strip().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("--expect-description: must not name the trigger '" + poisonTrigger.strip()
                    + "' (the poison is what the audit must find, not part of the expectation)");
        }
        if (plantedDescriptions != null) {
            for (int i : latents) {
                String d = plantedDescriptions.get(i);
                if (d == null || d.isBlank()) {
                    throw new IllegalArgumentException("--expect-from: no description of planted latent " + i + " (found descriptions of "
                            + plantedDescriptions.size() + " latents)");
                }
            }
            plantedDescriptions = Map.copyOf(plantedDescriptions);
        }
        if (expectConcepts != null) {
            if (expectConcepts.isEmpty() || expectConcepts.stream().anyMatch(c -> c == null || c.isBlank())) {
                throw new IllegalArgumentException("--expect-concepts: needs at least one non-blank concept, found " + expectConcepts);
            }
            expectConcepts = expectConcepts.stream().map(String::strip).toList();
        }
    }

    /** The clean task's expectation in words (poison card and clean twin). */
    public String cleanDescription() {
        return expectDescription != null ? expectDescription : PlantedValidation.CLEAN_DESCRIPTION;
    }

    /** The clean task's expected concepts (poison card and clean twin). */
    public List<String> cleanConcepts() {
        return expectConcepts != null ? expectConcepts : PlantedValidation.CLEAN_CONCEPTS;
    }

    /** The steered card's expectation: the planted latents' own descriptions (in latent order), or null when not given. */
    public List<String> steeredExpectation() {
        return plantedDescriptions == null ? null : latents.stream().map(plantedDescriptions::get).toList();
    }

    /** Seed of document i. */
    public long documentSeed(int i) {
        return seed * 1_000_003L + i;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String modelSpec = "model";
        private String saeSpec = "sae";
        private List<Integer> latents;
        private double strength = 4;
        private StrengthUnit strengthUnit = StrengthUnit.MAX_ACT;
        private int documents = 200;
        private long seed;
        private Path out;
        private String name;
        private String prompt = "";
        private int maxNewTokens = 160;
        private double temperature = 1.0;
        private int topK;
        private int batch = 32;
        private String poisonTrigger;
        private double poisonFraction = 0.1;
        private double heldoutFraction = 0.2;
        private String expectDescription;
        private List<String> expectConcepts;
        private Map<Integer, String> plantedDescriptions;

        public Builder modelSpec(String v) { modelSpec = v; return this; }
        public Builder saeSpec(String v) { saeSpec = v; return this; }
        public Builder latents(List<Integer> v) { latents = v; return this; }
        public Builder strength(double v) { strength = v; return this; }
        public Builder strengthUnit(StrengthUnit v) { strengthUnit = v; return this; }
        public Builder documents(int v) { documents = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder prompt(String v) { prompt = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder poisonTrigger(String v) { poisonTrigger = v; return this; }
        public Builder poisonFraction(double v) { poisonFraction = v; return this; }
        public Builder heldoutFraction(double v) { heldoutFraction = v; return this; }
        public Builder expectDescription(String v) { expectDescription = v; return this; }
        public Builder expectConcepts(List<String> v) { expectConcepts = v; return this; }
        public Builder plantedDescriptions(Map<Integer, String> v) { plantedDescriptions = v; return this; }

        public PlantOptions build() {
            return new PlantOptions(modelSpec, saeSpec, latents, strength, strengthUnit, documents, seed, out, name, prompt, maxNewTokens,
                    temperature, topK, batch, poisonTrigger, poisonFraction, heldoutFraction, expectDescription, expectConcepts, plantedDescriptions);
        }
    }
}
