package org.isaerft.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.RecordedRequest;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Anthropic and Ollama through their real wire formats, and the shipped config files. */
class ProvidersTest {
    static final String KEY = "sk-ant-test-0a1b2c3d-SECRET";
    @RegisterExtension
    final TestServer server = new TestServer();
    @TempDir
    Path tmp;

    static final List<Message> MSGS = List.of(Message.system("Be brief."), Message.user("Name a colour."));

    @Test
    void anthropicMessagesApi() throws Exception {
        server.enqueue(Wire.json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        server.enqueue(Wire.json(200, Wire.anthropic("Blue.", 21, 3)));
        LlmConfig c = LlmConfig.builder(Provider.ANTHROPIC, "claude-3-5-haiku-20241022").baseUrl(server.url("/v1/").toString())
                .apiKeyEnv("TEST_ANTHROPIC_KEY").maxTokens(64).prices(0.8, 4.0).backoffMs(1, 5).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.of("TEST_ANTHROPIC_KEY", KEY)::get), c)
                .cacheDir(tmp.resolve("cache")).build();

        LlmResponse r = client.complete(MSGS);

        assertThat(r.text()).isEqualTo("Blue.");
        assertThat(r.usage().inputTokens()).isEqualTo(21);
        assertThat(r.usage().outputTokens()).isEqualTo(3);
        assertThat(r.usage().costUsd()).isEqualTo(21 * 0.8 / 1e6 + 3 * 4.0 / 1e6);
        assertThat(r.logprobs()).isEmpty();
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(client.summary().retries()).isEqualTo(1);
        server.takeRequest();
        RecordedRequest req = server.takeRequest();
        assertThat(req.getUrl().encodedPath()).isEqualTo("/v1/messages");
        assertThat(req.getHeaders().get("x-api-key")).isEqualTo(KEY);
        assertThat(req.getHeaders().get("anthropic-version")).isNotBlank();
        JsonNode body = Json.MAPPER.readTree(req.getBody().utf8());
        assertThat(body.get("model").asText()).isEqualTo("claude-3-5-haiku-20241022");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(64);
        assertThat(body.get("system").toString()).contains("Be brief.");
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("user");

        // second run: from the cache, no request; the key is nowhere on disk
        LlmResponse again = LlmClient.builder(ChatModels.create(c, Map.of("TEST_ANTHROPIC_KEY", KEY)::get), c)
                .cacheDir(tmp.resolve("cache")).build().complete(MSGS);
        assertThat(again.fromCache()).isTrue();
        assertThat(server.getRequestCount()).isEqualTo(2);
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(p)).doesNotContain(KEY);
            }
        }
    }

    @Test
    void ollamaChatApi() throws Exception {
        server.enqueue(Wire.json(200, Wire.ollama("Green", 26, 2)));
        LlmConfig c = LlmConfig.builder(Provider.OLLAMA, "llama3.2").baseUrl(server.url("/").toString()).maxTokens(32).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.<String, String>of()::get), c).build();

        LlmResponse r = client.complete(MSGS);

        assertThat(r.text()).isEqualTo("Green");
        assertThat(r.usage().inputTokens()).isEqualTo(26);
        assertThat(r.usage().outputTokens()).isEqualTo(2);
        RecordedRequest req = server.takeRequest();
        assertThat(req.getUrl().encodedPath()).isEqualTo("/api/chat");
        JsonNode body = Json.MAPPER.readTree(req.getBody().utf8());
        assertThat(body.get("model").asText()).isEqualTo("llama3.2");
        assertThat(body.get("stream").asBoolean()).isFalse();
        assertThat(body.get("options").get("num_predict").asInt()).isEqualTo(32);
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(1).get("content").asText()).isEqualTo("Name a colour.");
    }

    @Test
    void ollamaServerErrorGivesUp() {
        server.enqueue(Wire.json(500, "{\"error\":\"model runner has unexpectedly stopped\"}"));
        server.enqueue(Wire.json(500, "{\"error\":\"model runner has unexpectedly stopped\"}"));
        LlmConfig c = LlmConfig.builder(Provider.OLLAMA, "llama3.2").baseUrl(server.url("/").toString()).maxRetries(1)
                .backoffMs(1, 2).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.<String, String>of()::get), c).build();
        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class,
                e -> assertThat(e.kind()).isEqualTo(LlmException.Kind.SERVER_ERROR));
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void shippedConfigsLoad() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("configs/llm"))) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(all).extracting(p -> p.getFileName().toString())
                    .contains("openai.yaml", "anthropic.yaml", "ollama.yaml", "vllm.yaml");
            for (Path p : all) {
                LlmConfig c = LlmConfig.load(p);
                assertThat(c.model()).isNotBlank();
                assertThat(c.apiKeyEnv() == null || c.apiKeyEnv().matches("[A-Z_]+")).isTrue();
            }
        }
        LlmConfig oai = LlmConfig.load(Path.of("configs/llm/openai-logprobs.yaml"));
        assertThat(oai.logprobs()).isTrue();
        assertThat(oai.topLogprobs()).isEqualTo(15);
    }

    @Test
    void badConfigsNameTheFieldAndFile() throws IOException {
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, "provider: anthropic\nmodel: m\nlogprobs: true\n");
        assertThatThrownBy(() -> LlmConfig.load(f)).hasMessageContaining("bad.yaml").hasMessageContaining("logprobs");
        Files.writeString(f, "provider: openai\nmodel: m\napi_key_env: sk-live-abc123\n");
        assertThatThrownBy(() -> LlmConfig.load(f)).hasMessageContaining("api_key_env").hasMessageContaining("NAME");
        Files.writeString(f, "provider: gemini\nmodel: m\n");
        assertThatThrownBy(() -> LlmConfig.load(f)).hasMessageContaining("gemini");
        Files.writeString(f, "provider: openai\nmodel: m\nmax_tokenz: 5\n");
        assertThatThrownBy(() -> LlmConfig.load(f)).hasMessageContaining("max_tokenz");
    }
}
