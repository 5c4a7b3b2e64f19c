package org.isaerft.model;

/**
 * How to continue a prompt. {@code temperature == 0} is greedy decoding; otherwise tokens are
 * sampled from softmax(logits / temperature), restricted to the {@code topK} most likely when
 * {@code topK > 0}, with a {@link java.util.SplittableRandom} seeded by {@code seed}.
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, long seed, boolean stopAtEos) {
    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be >= 0, found " + maxNewTokens);
        }
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, found " + topK);
        }
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0.0, 0, 0L, true);
    }
}
