package org.isaerft.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Against the real OpenAI API (needs OPENAI_API_KEY and internet): reported as skipped by default,
 * run with {@code mvn -Pit test -Dtest=LlmLiveIT} (the profile sets {@code isaerft.live=true}).
 * Spends well under one cent.
 */
@Tag("live-api")
@EnabledIfSystemProperty(named = "isaerft.live", matches = "true",
        disabledReason = "live API test: needs OPENAI_API_KEY and internet; run with mvn -Pit")
class LlmLiveIT {
    @Test
    void openAiAnswersWithLogprobs() {
        LlmConfig c = LlmConfig.load(Path.of("configs/llm/openai-logprobs.yaml")).toBuilder().maxTokens(3).budgetUsd(0.01).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c), c).build();
        LlmResponse r = client.complete(List.of(Message.user("Reply with the single digit 7 and nothing else.")));
        assertThat(r.text()).contains("7");
        assertThat(r.logprobs()).isNotEmpty();
        assertThat(r.logprobs().get(0).topMap()).containsKey("7");
        assertThat(client.summary().costUsd()).isPositive().isLessThan(0.01);
    }
}
