package org.isaerft.score;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.isaerft.llm.Prompts;

/** The one place that turns a scorer name into a {@link Scorer}: {@code isaerft score} and the pipeline's score stage call it. */
public final class Scorers {
    private Scorers() {}

    /** Scorer names: {@code embedding} runs offline; the others ask an LLM. */
    public static final List<String> NAMES = List.of("embedding", "simulation", "detection", "fuzzing");
    public static final List<String> LLM_NAMES = List.of("simulation", "detection", "fuzzing");

    /**
     * @param llm  the scoring LLM, asked for only by LLM scorers (so an offline run needs no LLM config)
     * @param mode simulation mode (ignored by the other scorers)
     */
    public static Scorer create(String name, Supplier<ScoringLlm> llm, Prompts prompts, SimulationScorer.Mode mode, long seed) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "embedding" -> new EmbeddingScorer();
            case "simulation" -> new SimulationScorer(llm.get(), prompts, mode);
            case "detection" -> new DetectionScorer(llm.get(), prompts, seed);
            case "fuzzing" -> new FuzzingScorer(llm.get(), prompts, seed);
            default -> throw new IllegalArgumentException("unknown scorer '" + name + "'; scorers: " + String.join(", ", NAMES));
        };
    }

    public static boolean needsLlm(String name) {
        return LLM_NAMES.contains(name.toLowerCase(Locale.ROOT));
    }
}
