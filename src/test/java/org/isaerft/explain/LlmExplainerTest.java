package org.isaerft.explain;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.llm.BudgetExceededException;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Message;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Provider;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LLM explainer over MockWebServer (OpenAI wire format), and golden files pinning the fully
 * rendered prompts. Regenerate goldens after an intended prompt change with -Dgolden.update=true
 * (then review the diff).
 */
class LlmExplainerTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/explain");
    @RegisterExtension
    final TestServer server = new TestServer();
    @TempDir
    Path tmp;

    static MockResponse answer(String text) {
        return Wire.openAiAnswer(text, 300, 12);
    }

    LlmConfig config() {
        return LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).prices(0.15, 0.6)
                .backoffMs(1, 5).build();
    }

    LlmExplainer explainer(LlmExplainer.Style style, LlmConfig c) {
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.<String, String>of()::get), c).cacheDir(tmp.resolve("cache")).build();
        return new LlmExplainer(client, style, Prompts.project(TestHome.HOME), LlmExplainer.Options.DEFAULT);
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path p = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(p, actual, StandardCharsets.UTF_8);
        }
        assertThat(p).as("golden file %s (create with -Dgolden.update=true, then review)", p).exists();
        assertThat(actual).isEqualTo(Files.readString(p, StandardCharsets.UTF_8));
    }

    @Test
    void oaiPromptIsPinned() throws IOException {
        LlmExplainer x = explainer(LlmExplainer.Style.OAI, config());
        List<Message> dog = x.messages(Records.dog(5)).orElseThrow();
        assertGolden("oai-neuron-dog.txt", Message.transcript(dog));
        List<Message> sparse = x.messages(Records.sparse(2)).orElseThrow();
        assertGolden("oai-neuron-sparse.txt", Message.transcript(sparse));
        // independent checks of what the golden must contain
        String user = sparse.get(sparse.size() - 1).text();
        assertThat(user).contains("<start>\nIn\t0\n 1999\t10\n").contains(" 1987\t7\n").contains(" 1850\t3\n")
                .contains("\\tcame\\n\t0").contains(OaiFormat.SPARSE_HEADER + "<start>\n 1999\t10\n<end>\n")
                .endsWith("Explanation of neuron 1 behavior: the main thing this neuron does is find");
        assertThat(Message.transcript(dog)).doesNotContain("HELDOUT").doesNotContain("Same activations");
    }

    @Test
    void delphiPromptIsPinned() throws IOException {
        LlmExplainer x = explainer(LlmExplainer.Style.DELPHI, config());
        List<Message> dog = x.messages(Records.dog(5)).orElseThrow();
        assertGolden("delphi-dog.txt", Message.transcript(dog));
        String user = dog.get(dog.size() - 1).text();
        assertThat(user).startsWith("Example 1: I saw the<< dog bark>>\nActivations: (\" dog\", 10), (\" bark\", 4)\n")
                .contains("Example 4: A<< puppy>> and the<< dog>>\nActivations: (\" puppy\", 7), (\" dog\", 6)")
                .doesNotContain("HELDOUT");
        assertThat(dog.get(0).role()).isEqualTo(Message.Role.system);
        assertThat(dog.get(0).text()).contains("[EXPLANATION]:");
    }

    @Test
    void explanationRecordsMethodPromptExamplesAndUsage() throws Exception {
        server.enqueue(answer("The examples mention dogs.\n[EXPLANATION]: Mentions of dogs and puppies."));
        LlmExplainer x = explainer(LlmExplainer.Style.DELPHI, config());
        ExplainResult r = x.explain(Records.dog(5));
        Explanation e = ((ExplainResult.Success) r).explanation();
        assertThat(e.description()).isEqualTo("Mentions of dogs and puppies");
        assertThat(e.method()).isEqualTo("llm:openai/gpt-4o-mini:delphi");
        assertThat(e.promptId()).isEqualTo("explain/delphi");
        assertThat(e.promptVersion()).isEqualTo("1");
        assertThat(e.promptSha256()).matches("[0-9a-f]{64}");
        assertThat(e.examplesUsed()).containsExactly("top:0", "top:1", "top:2", "top:3", "top:4", "top:5");
        assertThat(e.usage().inputTokens()).isEqualTo(300);
        assertThat(e.usage().outputTokens()).isEqualTo(12);
        RecordedRequest req = server.takeRequest();
        JsonNode body = Json.MAPPER.readTree(req.getBody().utf8());
        assertThat(body.get("messages")).hasSize(4); // system, few-shot user + assistant, user
        assertThat(body.toString()).doesNotContain("HELDOUT");
    }

    @Test
    void unparseableAnswerIsCountedAndAskedAgain() {
        server.enqueue(answer("These all look like animals to me."));
        server.enqueue(answer("[EXPLANATION]: Dogs"));
        LlmExplainer x = explainer(LlmExplainer.Style.DELPHI, config());
        Explanation e = ((ExplainResult.Success) x.explain(Records.dog(5))).explanation();
        assertThat(e.description()).isEqualTo("Dogs");
        assertThat(server.getRequestCount()).isEqualTo(2);
        LlmClient c = x.client();
        assertThat(c.summary().parseFailures()).isEqualTo(1);
        assertThat(e.usage().inputTokens()).isEqualTo(600); // both answers were paid for
    }

    @Test
    void neverParseableIsATypedFailureNeverADescription() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(answer("I'm sorry, I cannot find a pattern."));
        }
        LlmExplainer x = explainer(LlmExplainer.Style.OAI, config());
        ExplainResult r = x.explain(Records.dog(5));
        assertThat(r).isInstanceOfSatisfying(ExplainResult.Failure.class, f -> {
            assertThat(f.reason()).isEqualTo(ExplainResult.Reason.UNPARSEABLE);
            assertThat(f.attempts()).isEqualTo(3);
            assertThat(f.answers()).hasSize(3).allSatisfy(a -> assertThat(a).startsWith("I'm sorry"));
        });
        assertThat(server.getRequestCount()).isEqualTo(3); // 1 + max_parse_retries (2)
        assertThat(x.client().summary().parseFailures()).isEqualTo(3);

        // a rerun replays the same cached answers: same failure, zero new requests
        LlmExplainer again = explainer(LlmExplainer.Style.OAI, config());
        assertThat(again.explain(Records.dog(5))).isInstanceOf(ExplainResult.Failure.class);
        assertThat(server.getRequestCount()).isEqualTo(3);
    }

    @Test
    void llmErrorsAreTypedFailuresAndBudgetStopsTheRun() {
        server.enqueue(new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
                .body("{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}").build());
        LlmExplainer x = explainer(LlmExplainer.Style.OAI, config());
        assertThat(x.explain(Records.dog(5))).isInstanceOfSatisfying(ExplainResult.Failure.class,
                f -> assertThat(f.reason()).isEqualTo(ExplainResult.Reason.LLM_ERROR));

        LlmExplainer broke = explainer(LlmExplainer.Style.OAI, config().toBuilder().budgetUsd(0.0).build());
        assertThatThrownBy(() -> broke.explain(Records.dog(6))).isInstanceOf(BudgetExceededException.class);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void deadAndEmptyRecordsAreTypedFailuresWithoutRequests() {
        LlmExplainer x = explainer(LlmExplainer.Style.OAI, config());
        assertThat(x.explain(Records.dead(1))).isInstanceOfSatisfying(ExplainResult.Failure.class,
                f -> assertThat(f.reason()).isEqualTo(ExplainResult.Reason.DEAD_LATENT));
        assertThat(server.getRequestCount()).isZero();
    }
}
