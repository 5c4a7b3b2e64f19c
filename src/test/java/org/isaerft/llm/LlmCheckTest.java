package org.isaerft.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.isaerft.testing.Cli;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code llm check}: one tiny request through the real OpenAI / Anthropic wire formats (MockWebServer). */
class LlmCheckTest {
    static final String KEY = "sk-test-check-7f3e-SECRET";
    @RegisterExtension
    final TestServer server = new TestServer();
    @TempDir
    Path tmp;

    private static MockResponse delayed(int code, String body, long ms) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body)
                .headersDelay(ms, TimeUnit.MILLISECONDS).build();
    }

    @Test
    void openAiWithLogprobsReportsLatencyLogprobsAndCost() throws Exception {
        String lp = "[" + Wire.openAiLogprob("ok", -0.01, List.of(new Object[] {"ok", -0.01}, new Object[] {"OK", -4.7})) + "]";
        server.enqueue(delayed(200, Wire.openAi("ok", 31, 1, lp), 250));
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).apiKeyEnv("TEST_OPENAI_KEY")
                .logprobs(true).topLogprobs(5).maxTokens(256).prices(0.15, 0.60).budgetUsd(5.0).build();

        LlmCheck.Result r = LlmCheck.run(c, Map.of("TEST_OPENAI_KEY", KEY)::get);

        assertThat(r.provider()).isEqualTo("openai");
        assertThat(r.model()).isEqualTo("gpt-4o-mini");
        assertThat(r.answer()).isEqualTo("ok");
        assertThat(r.latencyMs()).isBetween(250L, 30_000L);
        assertThat(r.logprobsRequested()).isTrue();
        assertThat(r.logprobsReturned()).isTrue();
        assertThat(r.simulationMode()).startsWith("log-probabilities");
        assertThat(r.inputTokens()).isEqualTo(31);
        assertThat(r.outputTokens()).isEqualTo(1);
        assertThat(r.costUsd()).isCloseTo(31 * 0.15e-6 + 1 * 0.60e-6, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(server.getRequestCount()).isEqualTo(1);
        RecordedRequest req = server.takeRequest();
        assertThat(req.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(req.getHeaders().get("Authorization")).isEqualTo("Bearer " + KEY);
        JsonNode body = Json.MAPPER.readTree(req.getBody().utf8());
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.get("logprobs").asBoolean()).isTrue();
        assertThat(body.get("top_logprobs").asInt()).isEqualTo(5);
        // tiny: the config's 256 output tokens are capped for the check
        int maxTokens = body.has("max_completion_tokens") ? body.get("max_completion_tokens").asInt() : body.get("max_tokens").asInt();
        assertThat(maxTokens).isEqualTo(LlmCheck.MAX_TOKENS);
        String text = r.toText(c);
        assertThat(text).contains("logprobs      yes").contains("$0.000005").doesNotContain(KEY);
    }

    @Test
    void anthropicHasNoLogprobsSoSimulationFallsBackToJson() throws Exception {
        server.enqueue(Wire.json(200, Wire.anthropic("ok", 22, 2)));
        LlmConfig c = LlmConfig.builder(Provider.ANTHROPIC, "claude-3-5-haiku-20241022").baseUrl(server.url("/v1/").toString())
                .apiKeyEnv("TEST_ANTHROPIC_KEY").prices(0.8, 4.0).build();

        LlmCheck.Result r = LlmCheck.run(c, Map.of("TEST_ANTHROPIC_KEY", KEY)::get);

        assertThat(r.logprobsReturned()).isFalse();
        assertThat(r.simulationMode()).startsWith("JSON fallback: log-probabilities not requested");
        assertThat(r.costUsd()).isCloseTo(22 * 0.8e-6 + 2 * 4.0e-6, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(server.takeRequest().getHeaders().get("x-api-key")).isEqualTo(KEY);
    }

    @Test
    void requestedLogprobsThatDoNotComeBackAreReported() {
        server.enqueue(Wire.json(200, Wire.openAi("ok", 10, 1)));
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "local-model").baseUrl(server.url("/v1").toString()).logprobs(true).build();

        LlmCheck.Result r = LlmCheck.run(c, Map.<String, String>of()::get);

        assertThat(r.logprobsReturned()).isFalse();
        assertThat(r.simulationMode()).contains("asks for log-probabilities but the server returned none");
        assertThat(r.pricesKnown()).isFalse();
        assertThat(r.toText(c)).contains("cost          unknown");
    }

    @Test
    void missingKeyNamesTheEnvironmentVariableAndSendsNothing() throws Exception {
        String var = "ISAERFT_TEST_KEY_THAT_IS_NEVER_SET";
        assertThat(System.getenv(var)).isNull();
        Path cfg = tmp.resolve("openai.yaml");
        Files.writeString(cfg, "schema_version: 1\nprovider: openai\nmodel: gpt-4o-mini\nbase_url: " + server.url("/v1")
                + "\napi_key_env: " + var + "\n");

        Cli.Run run = Cli.run("llm", "check", "--llm-config", cfg.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("environment variable " + var).contains("is not set").contains("export " + var + "=");
        assertThat(run.out()).isEmpty();
        assertThat(server.getRequestCount()).isZero();
        assertThatThrownBy(() -> LlmCheck.run(LlmConfig.load(cfg), Map.<String, String>of()::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(var);
    }

    @Test
    void cliPrintsProviderModelLatencyLogprobsAndCost() throws Exception {
        server.enqueue(Wire.json(200, Wire.openAi("ok", 12, 1)));
        server.enqueue(Wire.json(200, Wire.openAi("ok", 12, 1)));
        Path cfg = tmp.resolve("vllm.yaml");
        Files.writeString(cfg, "schema_version: 1\nprovider: vllm\nmodel: Qwen/Qwen2.5-7B-Instruct\nbase_url: " + server.url("/v1")
                + "\nprice_input_per_1m: 1.0\nprice_output_per_1m: 2.0\n");

        Cli.Run text = Cli.run("llm", "check", "--llm-config", cfg.toString());
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("provider      openai").contains("model         Qwen/Qwen2.5-7B-Instruct")
                .containsPattern("latency       \\d+ ms").contains("logprobs      no").contains("JSON fallback")
                .contains("cost          $0.000014 for this request");

        Cli.Run json = Cli.run("llm", "check", "--llm-config", cfg.toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode j = Json.MAPPER.readTree(json.out());
        assertThat(j.get("model").asText()).isEqualTo("Qwen/Qwen2.5-7B-Instruct");
        assertThat(j.get("logprobs_returned").asBoolean()).isFalse();
        assertThat(j.get("simulation_mode").asText()).isEqualTo("json");
        assertThat(j.get("cost_usd").asDouble()).isCloseTo(12e-6 + 2e-6, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(j.get("latency_ms").asLong()).isNotNegative();
        assertThat(server.getRequestCount()).isEqualTo(2); // no cache: each check is a real request
    }

    @Test
    void rejectedKeyIsAFailedCheck() throws Exception {
        server.enqueue(Wire.json(401, Wire.openAiError("invalid_request_error", "Incorrect API key provided")));
        Path cfg = tmp.resolve("local.yaml");
        Files.writeString(cfg, "schema_version: 1\nprovider: openai\nmodel: gpt-4o-mini\nbase_url: " + server.url("/v1") + "\n");

        Cli.Run run = Cli.run("llm", "check", "--llm-config", cfg.toString());

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("openai/gpt-4o-mini").contains(server.url("/v1").toString());
        assertThat(server.getRequestCount()).isEqualTo(1); // 4xx is not retried
    }
}
