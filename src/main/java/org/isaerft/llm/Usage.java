package org.isaerft.llm;

/**
 * LLM tokens and estimated cost in US dollars, as reported for one call or summed over many.
 * Lives in {@code llm} (the layer that measures it); {@code explain} and {@code score} records carry it.
 */
public record Usage(long inputTokens, long outputTokens, double costUsd) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0, found input " + inputTokens + ", output " + outputTokens);
        }
        if (!(costUsd >= 0) || Double.isInfinite(costUsd)) {
            throw new IllegalArgumentException("cost must be a finite number >= 0 (US dollars), found " + costUsd);
        }
    }

    public Usage plus(Usage o) {
        return new Usage(inputTokens + o.inputTokens, outputTokens + o.outputTokens, costUsd + o.costUsd);
    }
}
