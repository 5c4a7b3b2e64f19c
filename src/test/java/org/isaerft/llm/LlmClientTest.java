package org.isaerft.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** LlmClient against MockWebServer speaking the OpenAI chat-completions wire format. */
class LlmClientTest {
    static final String SECRET = "sk-test-9f8e7d6c5b4a-DO-NOT-LEAK";
    static final Map<String, String> ENV = Map.of("TEST_OPENAI_KEY", SECRET);

    @RegisterExtension
    final TestServer server = new TestServer();
    final List<Long> sleeps = Collections.synchronizedList(new ArrayList<>());
    @TempDir
    Path tmp;

    LlmConfig.Builder cfg() {
        return LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).apiKeyEnv("TEST_OPENAI_KEY")
                .maxRetries(3).backoffMs(100, 10_000).timeoutSeconds(5).prices(0.15, 0.60);
    }

    LlmClient client(LlmConfig c, Path cacheDir) {
        return LlmClient.builder(ChatModels.create(c, ENV::get), c).cacheDir(cacheDir).sleeper(sleeps::add).build();
    }

    static final List<Message> MSGS = List.of(Message.system("You explain neurons."), Message.user("What does <<dog>> mean?"));

    @Test
    void successReturnsTextUsageCostAndLogprobs() throws Exception {
        String lp = "[" + Wire.openAiLogprob("dogs", -0.25, List.of(new Object[] {"dogs", -0.25}, new Object[] {"cats", -1.75}))
                + "," + Wire.openAiLogprob(" ", -0.5, List.of(new Object[] {" ", -0.5}, new Object[] {".", -1.0})) + "]";
        server.enqueue(Wire.json(200, Wire.openAi("dogs ", 1200, 2, lp)));
        LlmConfig c = cfg().logprobs(true).topLogprobs(2).build();
        LlmClient client = client(c, null);

        LlmResponse r = client.complete(MSGS);

        assertThat(r.text()).isEqualTo("dogs ");
        assertThat(r.fromCache()).isFalse();
        assertThat(r.finishReason()).isEqualTo("STOP");
        assertThat(r.usage().inputTokens()).isEqualTo(1200);
        assertThat(r.usage().outputTokens()).isEqualTo(2);
        // 1200 * 0.15/1e6 + 2 * 0.60/1e6
        assertThat(r.usage().costUsd()).isCloseTo(1.8e-4 + 1.2e-6, within(1e-12));
        assertThat(r.logprobs()).hasSize(2);
        assertThat(r.logprobs().get(0).token()).isEqualTo("dogs");
        assertThat(r.logprobs().get(0).logprob()).isEqualTo(-0.25);
        assertThat(r.logprobs().get(0).topMap()).containsExactly(Map.entry("dogs", -0.25), Map.entry("cats", -1.75));
        assertThat(r.logprobs().get(1).topMap()).containsEntry(".", -1.0);

        RecordedRequest req = server.takeRequest();
        assertThat(req.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(req.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(req.getVersion()).isEqualTo("HTTP/1.1");
        JsonNode body = Json.MAPPER.readTree(req.getBody().utf8());
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(body.get("logprobs").asBoolean()).isTrue();
        assertThat(body.get("top_logprobs").asInt()).isEqualTo(2);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.0);
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(body.get("messages").get(1).get("content").asText()).isEqualTo("What does <<dog>> mean?");

        LlmRunSummary s = client.summary();
        assertThat(s.requests()).isEqualTo(1);
        assertThat(s.successes()).isEqualTo(1);
        assertThat(s.inputTokens()).isEqualTo(1200);
        assertThat(s.costUsd()).isCloseTo(r.usage().costUsd(), within(1e-15));
    }

    @Test
    void rateLimitedThenSuccessIsRetriedAndCounted() {
        server.enqueue(Wire.json(429, Wire.openAiError("rate_limit_exceeded", "Rate limit reached for gpt-4o-mini")));
        server.enqueue(Wire.json(200, Wire.openAi("ok", 10, 1)));
        LlmClient client = client(cfg().build(), null);

        assertThat(client.complete(MSGS).text()).isEqualTo("ok");

        assertThat(server.getRequestCount()).isEqualTo(2);
        LlmRunSummary s = client.summary();
        assertThat(s.requests()).isEqualTo(2);
        assertThat(s.retries()).isEqualTo(1);
        assertThat(s.successes()).isEqualTo(1);
        assertThat(s.failureCount()).isZero();
        assertThat(sleeps).hasSize(1);
        assertThat(sleeps.get(0)).isBetween(50L, 100L); // first delay: initial 100 ms with equal jitter
    }

    @Test
    void serverErrorsUntilGiveUpIsATypedFailureWithExponentialBackoff() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(Wire.json(500, Wire.openAiError("server_error", "The server had an error")));
        }
        LlmClient client = client(cfg().maxRetries(3).build(), null);

        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class, e -> {
            assertThat(e.kind()).isEqualTo(LlmException.Kind.SERVER_ERROR);
            assertThat(e.attempts()).isEqualTo(4);
            assertThat(e.getMessage()).contains("gave up after 4 attempts");
        });
        assertThat(server.getRequestCount()).isEqualTo(4);
        assertThat(sleeps).hasSize(3);
        assertThat(sleeps.get(0)).isBetween(50L, 100L);
        assertThat(sleeps.get(1)).isBetween(100L, 200L);
        assertThat(sleeps.get(2)).isBetween(200L, 400L);
        LlmRunSummary s = client.summary();
        assertThat(s.failures()).containsExactly(Map.entry("server_error", 1L));
        assertThat(s.retries()).isEqualTo(3);
        assertThat(s.successes()).isZero();
    }

    @Test
    void clientErrorIsNotRetried() {
        server.enqueue(Wire.json(400, Wire.openAiError("invalid_request_error", "max_tokens is too large")));
        LlmClient client = client(cfg().build(), null);
        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class,
                e -> assertThat(e.kind()).isEqualTo(LlmException.Kind.CLIENT_ERROR));
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void timeoutIsRetriedThenATypedFailure() {
        server.enqueue(Wire.json(200, Wire.openAi("warm-up", 1, 1)));
        server.enqueue(Wire.stall());
        server.enqueue(Wire.stall());
        // a first request with a generous timeout loads the HTTP classes, so the measured part is only the waiting
        assertThat(client(cfg().timeoutSeconds(30).build(), null).complete(List.of(Message.user("warm-up"))).text())
                .isEqualTo("warm-up");
        LlmClient client = client(cfg().timeoutSeconds(0.5).maxRetries(1).build(), null);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class,
                e -> assertThat(e.kind()).isEqualTo(LlmException.Kind.TIMEOUT));
        // both attempts were cut by our 0.5 s timeout (the server never answers)
        assertThat((System.nanoTime() - t0) / 1e6).isBetween(1000.0, 10_000.0);
        assertThat(server.getRequestCount()).isEqualTo(3);
        assertThat(client.summary().failures()).containsEntry("timeout", 1L);
        assertThat(client.summary().retries()).isEqualTo(1);
    }

    @Test
    void malformedResponseIsATypedFailureAfterRetries() {
        server.enqueue(Wire.json(200, "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":"));
        server.enqueue(Wire.json(200, "<html>502 Bad Gateway</html>"));
        LlmClient client = client(cfg().maxRetries(1).build(), null);
        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class,
                e -> assertThat(e.kind()).isEqualTo(LlmException.Kind.MALFORMED_RESPONSE));
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void malformedThenValidSucceeds() {
        server.enqueue(Wire.json(200, "not json at all"));
        server.enqueue(Wire.json(200, Wire.openAi("fine", 3, 1)));
        LlmClient client = client(cfg().build(), null);
        assertThat(client.complete(MSGS).text()).isEqualTo("fine");
        assertThat(client.summary().retries()).isEqualTo(1);
    }

    @Test
    void rerunWithCacheMakesZeroRequests() throws Exception {
        String lp = "[" + Wire.openAiLogprob("7", -0.1, List.of(new Object[] {"7", -0.1}, new Object[] {"8", -2.4})) + "]";
        server.enqueue(Wire.json(200, Wire.openAi("7", 100, 1, lp)));
        server.enqueue(Wire.json(200, Wire.openAi("second", 100, 1)));
        LlmConfig c = cfg().logprobs(true).topLogprobs(2).build();
        Path cache = tmp.resolve("cache");
        List<Message> other = List.of(Message.user("another question"));

        LlmClient first = client(c, cache);
        LlmResponse a1 = first.complete(MSGS);
        LlmResponse b1 = first.complete(other);
        assertThat(server.getRequestCount()).isEqualTo(2);

        try (MockWebServer second = new MockWebServer()) {
            second.start();
            LlmConfig c2 = c.toBuilder().baseUrl(second.url("/v1").toString()).build();
            LlmClient rerun = client(c2, cache);
            LlmResponse a2 = rerun.complete(MSGS);
            LlmResponse b2 = rerun.complete(other);
            assertThat(second.getRequestCount()).isZero();
            assertThat(a2.fromCache()).isTrue();
            assertThat(a2.text()).isEqualTo(a1.text());
            assertThat(a2.logprobs()).isEqualTo(a1.logprobs());
            assertThat(a2.usage()).isEqualTo(a1.usage());
            assertThat(b2.text()).isEqualTo("second");
            LlmRunSummary s = rerun.summary();
            assertThat(s.requests()).isZero();
            assertThat(s.cacheHits()).isEqualTo(2);
            assertThat(s.costUsd()).isZero();
            assertThat(s.savedCostUsd()).isCloseTo(a1.usage().costUsd() + b1.usage().costUsd(), within(1e-15));
        }
        // a changed parameter is a different request
        LlmClient hot = client(c.toBuilder().temperature(0.7).build(), cache);
        server.enqueue(Wire.json(200, Wire.openAi("warm", 100, 1)));
        assertThat(hot.complete(MSGS).fromCache()).isFalse();
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void sampleIndexIsAFreshRequestWithItsOwnEntry() {
        server.enqueue(Wire.json(200, Wire.openAi("first try", 10, 2)));
        server.enqueue(Wire.json(200, Wire.openAi("second try", 10, 2)));
        Path cache = tmp.resolve("cache");
        LlmClient client = client(cfg().build(), cache);
        assertThat(client.complete(MSGS, 0).text()).isEqualTo("first try");
        assertThat(client.complete(MSGS, 1).text()).isEqualTo("second try");
        assertThat(client.complete(MSGS, 0).fromCache()).isTrue();
        assertThat(client.complete(MSGS, 1).text()).isEqualTo("second try");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void corruptCacheEntryIsIgnoredAndRewritten() throws Exception {
        server.enqueue(Wire.json(200, Wire.openAi("answer", 10, 1)));
        server.enqueue(Wire.json(200, Wire.openAi("answer again", 10, 2)));
        Path cache = tmp.resolve("cache");
        LlmClient client = client(cfg().build(), cache);
        LlmResponse r = client.complete(MSGS);
        Path entry = new ResponseCache(cache).path(r.cacheKey());
        assertThat(entry).exists();
        Files.writeString(entry, "{\"schema_version\":1,\"type\":\"llm_cache_en"); // truncated by a crash

        LlmClient rerun = client(cfg().build(), cache);
        LlmResponse r2 = rerun.complete(MSGS);
        assertThat(r2.fromCache()).isFalse();
        assertThat(r2.text()).isEqualTo("answer again");
        assertThat(rerun.summary().cacheCorrupt()).isEqualTo(1);
        assertThat(Json.MAPPER.readTree(entry.toFile()).get("text").asText()).isEqualTo("answer again");
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void budgetStopsBeforeARequestThatCouldExceedIt() {
        server.enqueue(Wire.json(200, Wire.openAi("one", 0, 500)));
        server.enqueue(Wire.json(200, Wire.openAi("two", 0, 500)));
        // worst case per request: 1000 output tokens * $10/1M = $0.01 (+ a tiny input part at $0.0/1M)
        LlmConfig c = cfg().prices(0.0, 10.0).maxTokens(1000).budgetUsd(0.012).build();
        LlmClient client = client(c, null);
        assertThat(client.complete(MSGS).usage().costUsd()).isCloseTo(0.005, within(1e-12));
        assertThatThrownBy(() -> client.complete(List.of(Message.user("next"))))
                .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
                    assertThat(e.kind()).isEqualTo(LlmException.Kind.BUDGET_EXCEEDED);
                    assertThat(e.spentUsd()).isCloseTo(0.005, within(1e-12));
                    assertThat(e.requestEstimateUsd()).isCloseTo(0.01, within(1e-12));
                });
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(client.summary().budgetRefusals()).isEqualTo(1);
        assertThat(client.summary().costUsd()).isLessThanOrEqualTo(0.012);
    }

    @Test
    void apiKeyNeverReachesSummaryConfigOrCache() throws Exception {
        server.enqueue(Wire.json(200, Wire.openAi("hello", 5, 1)));
        Path cache = tmp.resolve("cache");
        LlmConfig c = cfg().build();
        LlmClient client = client(c, cache);
        client.complete(MSGS);
        Path summary = tmp.resolve("llm_summary.json");
        client.summary().write(summary);

        String rendered = Files.readString(summary) + Json.write(c) + c + client.summary();
        try (Stream<Path> files = Files.walk(cache)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                rendered += Files.readString(p);
            }
        }
        assertThat(rendered).doesNotContain(SECRET).doesNotContain("9f8e7d6c5b4a");
        assertThat(Files.readString(summary)).contains("\"api_key_env\" : \"TEST_OPENAI_KEY\"");
    }

    @Test
    void keysEchoedInProviderErrorsAreRedacted() {
        server.enqueue(Wire.json(401, Wire.openAiError("invalid_request_error",
                "Incorrect API key provided: sk-test-9f8e****LEAK. You can find your API key at https://platform.openai.com")));
        LlmClient client = client(cfg().build(), null);
        assertThatThrownBy(() -> client.complete(MSGS)).isInstanceOfSatisfying(LlmException.class, e -> {
            assertThat(e.kind()).isEqualTo(LlmException.Kind.CLIENT_ERROR);
            assertThat(e.getMessage()).contains("Incorrect API key provided: [redacted]").doesNotContain("9f8e")
                    .doesNotContain("LEAK");
        });
        assertThat(LlmClient.oneLine(new RuntimeException("header Authorization: Bearer abcdef123456 rejected")))
                .isEqualTo("header Authorization: Bearer [redacted] rejected");
    }

    @Test
    void anErrorBodyEchoingTheAuthorizationHeaderOrTheKeyIsNeverLoggedNorInExceptions() throws Exception {
        // a key without a recognisable prefix: only literal redaction can catch a bare echo of it
        String key = "local7788abcd9911zz";
        String echo = "rejected headers {\"authorization\": \"Bearer " + key + "\"}; the key was " + key;
        server.enqueue(Wire.json(500, Wire.openAiError("server_error", echo)));
        server.enqueue(Wire.json(400, Wire.openAiError("invalid_request_error", echo)));
        LlmConfig c = cfg().build();
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.of("TEST_OPENAI_KEY", key)::get), c)
                .env(Map.of("TEST_OPENAI_KEY", key)::get).sleeper(sleeps::add).build();

        java.io.PrintStream err = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        LlmException thrown;
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            thrown = org.junit.jupiter.api.Assertions.assertThrows(LlmException.class, () -> client.complete(MSGS));
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(log).as("the retry of the 500 was logged").contains("SERVER_ERROR on attempt 1").doesNotContain(key);

        assertThat(thrown.kind()).isEqualTo(LlmException.Kind.CLIENT_ERROR);
        assertThat(thrown.getMessage()).doesNotContain(key).contains("\\\"authorization\\\": \\\"Bearer [redacted]\\\"")
                .contains("the key was [redacted]");
        var trace = new java.io.StringWriter();
        thrown.printStackTrace(new java.io.PrintWriter(trace));
        assertThat(trace.toString()).as("no cause in the chain keeps the raw provider message").doesNotContain(key)
                .contains("[redacted]");
        assertThat(thrown.getCause()).isInstanceOf(Redaction.Redacted.class);
        assertThat(thrown.getCause().getMessage()).startsWith("dev.langchain4j.");
        assertThat(thrown.getCause().getStackTrace()).isNotEmpty();

        RecordedRequest sent = server.get().takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + key);
    }

    @Test
    void redactionReplacesTheKnownKeyAndKeyLikeStringsOnly() {
        assertThat(Redaction.redact("Authorization: Bearer abcdef123456 rejected", null))
                .isEqualTo("Authorization: Bearer [redacted] rejected");
        assertThat(Redaction.redact("{\"api_key\":\"zz9988776655\"}", null)).isEqualTo("{\"api_key\":\"[redacted]\"}");
        assertThat(Redaction.redact("{\\\"Authorization\\\": \\\"Bearer zz9988776655\\\"}", null))
                .as("JSON inside a JSON string").isEqualTo("{\\\"Authorization\\\": \\\"Bearer [redacted]\\\"}");
        assertThat(Redaction.redact("token local7788abcd9911zz leaked", "local7788abcd9911zz")).isEqualTo("token [redacted] leaked");
        assertThat(Redaction.redact("a short key abc is not replaced literally", "abc")).isEqualTo("a short key abc is not replaced literally");
        assertThat(Redaction.redact("model gpt-4o-mini overloaded", "local7788abcd9911zz")).isEqualTo("model gpt-4o-mini overloaded");
        assertThat(Redaction.redact(null, "x")).isNull();
    }

    @Test
    void missingKeyVariableIsAClearError() {
        LlmConfig c = cfg().apiKeyEnv("NOT_SET_ANYWHERE").build();
        assertThatThrownBy(() -> ChatModels.create(c, ENV::get)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NOT_SET_ANYWHERE").hasMessageContaining("not set");
    }

    /** A hand-written ChatModel (dependency injection, not a LangChain4j mock) that measures overlap. */
    static final class SlowModel implements ChatModel {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final List<Long> starts = Collections.synchronizedList(new ArrayList<>());
        final long millis;

        SlowModel(long millis) {
            this.millis = millis;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            starts.add(System.nanoTime());
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return ChatResponse.builder().aiMessage(AiMessage.from("echo")).tokenUsage(new TokenUsage(3, 1)).build();
        }
    }

    @Test
    void concurrencyIsLimited() throws Exception {
        SlowModel model = new SlowModel(80);
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "local").concurrency(2).build();
        LlmClient client = LlmClient.builder(model, c).build();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<LlmResponse>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int k = i;
                fs.add(pool.submit(() -> client.complete(List.of(Message.user("q" + k)))));
            }
            for (Future<LlmResponse> f : fs) {
                assertThat(f.get().text()).isEqualTo("echo");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(model.maxInFlight.get()).isEqualTo(2);
        assertThat(client.summary().requests()).isEqualTo(6);
    }

    @Test
    void requestRateIsLimited() {
        SlowModel model = new SlowModel(0);
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "local").requestsPerMinute(1200).build(); // one per 50 ms
        LlmClient client = LlmClient.builder(model, c).build();
        LlmClient.countTokens("warm up");
        long before = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            client.complete(List.of(Message.user("q" + i)));
        }
        // the first request starts at once, each later one at least 50 ms after the previous slot
        assertThat((model.starts.get(4) - before) / 1e6).isGreaterThanOrEqualTo(200.0);
        assertThat(client.summary().requests()).isEqualTo(5);
    }

    @Test
    void completeParsedRetriesUnparseableAnswersAsNewSamples() throws Exception {
        server.enqueue(Wire.json(200, Wire.openAi("seven", 10, 1)));
        server.enqueue(Wire.json(200, Wire.openAi("7", 10, 1)));
        Path cache = tmp.resolve("cache");
        java.util.function.Function<String, java.util.Optional<Integer>> number = t -> t.strip().matches("\\d+")
                ? java.util.Optional.of(Integer.parseInt(t.strip())) : java.util.Optional.empty();
        Parsed<Integer> p = client(cfg().build(), cache).completeParsed(MSGS, number, 2);
        assertThat(p).isInstanceOfSatisfying(Parsed.Ok.class, ok -> {
            assertThat(ok.value()).isEqualTo(7);
            assertThat(ok.rejected()).containsExactly("seven");
            assertThat(ok.usage().inputTokens()).isEqualTo(20);
        });
        assertThat(server.getRequestCount()).isEqualTo(2);
        // both samples send the same conversation; they differ only in their cache entries
        assertThat(Json.MAPPER.readTree(server.takeRequest().getBody().utf8()))
                .isEqualTo(Json.MAPPER.readTree(server.takeRequest().getBody().utf8()));
        // rerun: replayed from the cache, same outcome, no request
        LlmClient again = client(cfg().build(), cache);
        assertThat(again.completeParsed(MSGS, number, 2)).isInstanceOf(Parsed.Ok.class);
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(again.summary().parseFailures()).isEqualTo(1);

        server.enqueue(Wire.json(200, Wire.openAi("no", 10, 1)));
        Parsed<Integer> none = client(cfg().build(), null).completeParsed(List.of(Message.user("other")), number, 0);
        assertThat(none).isInstanceOfSatisfying(Parsed.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo(Parsed.Reason.UNPARSEABLE);
            assertThat(f.rejected()).containsExactly("no");
        });
    }

    @Test
    void structuredOutputIsSentAndKeptApartInTheCache() throws Exception {
        dev.langchain4j.model.chat.request.json.JsonSchema schema = dev.langchain4j.model.chat.request.json.JsonSchema.builder()
                .name("answer").rootElement(dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                        .addIntegerProperty("value").required("value").build()).build();
        dev.langchain4j.model.chat.request.ResponseFormat format = dev.langchain4j.model.chat.request.ResponseFormat.builder()
                .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON).jsonSchema(schema).build();
        server.enqueue(Wire.json(200, Wire.openAi("free text", 5, 2)));
        server.enqueue(Wire.json(200, Wire.openAi("{\"value\": 7}", 5, 4)));
        Path cache = tmp.resolve("cache");
        LlmConfig c = cfg().build();
        LlmClient free = client(c, cache);
        LlmClient json = LlmClient.builder(ChatModels.create(c, ENV::get, format), c).cacheDir(cache)
                .cacheKeyExtra("response_format", format.toString()).build();

        assertThat(free.complete(MSGS).text()).isEqualTo("free text");
        LlmResponse r = json.complete(MSGS);
        assertThat(r.fromCache()).isFalse(); // same messages and config, but a different model setting
        assertThat(r.text()).isEqualTo("{\"value\": 7}");
        server.takeRequest();
        JsonNode body = Json.MAPPER.readTree(server.takeRequest().getBody().utf8());
        assertThat(body.get("response_format").get("type").asText()).isEqualTo("json_schema");
        assertThat(body.get("response_format").get("json_schema").get("strict").asBoolean()).isTrue();
        assertThat(json.complete(MSGS).fromCache()).isTrue();
        assertThat(server.getRequestCount()).isEqualTo(2);
    }
}
