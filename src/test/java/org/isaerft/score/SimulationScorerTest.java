package org.isaerft.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Provider;
import org.isaerft.llm.Usage;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Simulation over a MockWebServer speaking the OpenAI chat-completions wire format. */
class SimulationScorerTest {
    private @RegisterExtension
 final TestServer server = new TestServer();
    private final LatentId id = TestRecords.id(7);

    /** The real LLM layer (no cache, no retries) against the mock server. */
    private LlmClientScoringLlm llm(boolean logprobs) {
        LlmConfig.Builder b = LlmConfig.builder(Provider.OPENAI, "sim").baseUrl(server.url("/v1").toString()).maxRetries(0)
                .maxTokens(256);
        if (logprobs) {
            b.logprobs(true).topLogprobs(15);
        }
        return LlmClientScoringLlm.create(b.build(), null, SimulationScorer.SCHEMA, true, k -> null);
    }

    /** A held-out top example (dog), a held-out random example, and an explain-split example that must never be sent. */
    private LatentRecord record() {
        Example heldTop = TestRecords.top(List.of("The", " dog", " barked", "."), 0f, 6f, 2f, 0f);
        Example shownTop = TestRecords.ex(Example.SPLIT_EXPLAIN, Example.KIND_TOP, List.of("A", " puppy"), 0f, 5f);
        Example heldRandom = TestRecords.random(List.of("A", " tree"));
        return TestRecords.record(id, List.of(shownTop, heldTop), List.of(heldRandom));
    }

    /** One output token with its top alternatives (token, probability). */
    private static ObjectNode token(String tok, Object... alts) {
        ObjectNode t = Json.MAPPER.createObjectNode();
        t.put("token", tok);
        ArrayNode top = t.putArray("top_logprobs");
        double chosen = 0.0;
        for (int i = 0; i < alts.length; i += 2) {
            double lp = Math.log((Double) alts[i + 1]);
            if (alts[i].equals(tok)) {
                chosen = lp;
            }
            ObjectNode a = top.addObject();
            a.put("token", (String) alts[i]);
            a.put("logprob", lp);
            a.putArray("bytes");
        }
        if (alts.length == 0) {
            ObjectNode a = top.addObject();
            a.put("token", tok);
            a.put("logprob", 0.0);
            a.putArray("bytes");
        }
        t.put("logprob", chosen);
        t.putArray("bytes");
        return t;
    }

    private static String completion(String content, List<ObjectNode> logprobs) {
        return Wire.openAi(content, 100, 10, logprobs == null ? null : Json.line(Json.MAPPER.createArrayNode().addAll(logprobs)));
    }

    private void enqueue(String body) {
        server.enqueue(Wire.json(200, body));
    }

    /** Answer lines "i<TAB>v" as tokens: index, tab, value (with alternatives), newline. */
    private static List<ObjectNode> lines(List<String> values, List<Object[]> alternatives) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            out.add(token(String.valueOf(i + 1)));
            out.add(token("\t"));
            out.add(token(values.get(i), alternatives.get(i)));
            if (i < values.size() - 1) {
                out.add(token("\n"));
            }
        }
        return out;
    }

    private static String text(List<ObjectNode> toks) {
        StringBuilder sb = new StringBuilder();
        toks.forEach(t -> sb.append(t.get("token").asText()));
        return sb.toString();
    }

    @Test
    void expectedValuesFromTopLogprobsAndPooledCorrelation() throws Exception {
        // example 1 (held-out top, true activations 0, 6, 2, 0)
        List<ObjectNode> a1 = lines(List.of("0", "9", "2", "0"), List.of(
                new Object[] {"0", 0.7, "1", 0.2, "2", 0.1},          // EV = 0*0.7 + 1*0.2 + 2*0.1 = 0.4
                new Object[] {"9", 0.5, "10", 0.3, "8", 0.1, "hello", 0.1}, // over 0.9: (4.5 + 3.0 + 0.8) / 0.9 = 9.2222…
                new Object[] {"2", 0.6, "3", 0.4},                     // EV = 1.2 + 1.2 = 2.4
                new Object[] {"0", 1.0}));                            // EV = 0
        // example 2 (held-out random, true activations 0, 0)
        List<ObjectNode> a2 = lines(List.of("0", "1"), List.of(
                new Object[] {"0", 0.9, "1", 0.1},                     // EV = 0.1
                new Object[] {"1", 0.5, "0", 0.25, "2", 0.25}));       // EV = 0.5 + 0.5 = 1.0
        enqueue(completion(text(a1), a1));
        enqueue(completion(text(a2), a2));

        SimulationScorer scorer = new SimulationScorer(llm(true), TestRecords.prompts(), SimulationScorer.Mode.AUTO);
        Score s = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));

        assertThat(server.getRequestCount()).isEqualTo(2); // the explain-split example is never sent
        RecordedRequest r1 = server.takeRequest();
        JsonNode body = Json.MAPPER.readTree(r1.getBody().utf8());
        assertThat(body.get("logprobs").asBoolean()).isTrue();
        assertThat(body.get("top_logprobs").asInt()).isEqualTo(15);
        assertThat(body.get("temperature").asDouble()).isEqualTo(0.0);
        assertThat(body.has("response_format")).isFalse();
        String user = body.get("messages").get(body.get("messages").size() - 1).get("content").asText();
        assertThat(user).contains("mentions of dogs").contains("1\tThe\n2\t dog\n3\t barked\n4\t.");
        assertThat(server.takeRequest().getBody().utf8()).contains("2\\t tree").doesNotContain("puppy");

        assertThat(s.isDefined()).isTrue();
        assertThat(s.baseline()).isEqualTo("none");
        assertThat(s.details()).hasSize(2);
        assertThat(s.details().get(0).ref()).isEqualTo("top:1");
        assertThat(s.details().get(0).predictedActivations()).containsExactly(new double[] {0.4, 8.3 / 0.9, 2.4, 0.0}, within(1e-9));
        assertThat(s.details().get(1).ref()).isEqualTo("random:0");
        assertThat(s.details().get(1).predictedActivations()).containsExactly(new double[] {0.1, 1.0}, within(1e-9));
        // pooled over 6 tokens: predictions p = (0.4, 9.2222, 2.4, 0, 0.1, 1.0), truth t = (0, 6, 2, 0, 0, 0)
        // mean p = 13.1222/6 = 2.187037, mean t = 8/6 = 1.333333
        // s_pt = Σ(p-p̄)(t-t̄) = 42.637037, s_pp = 63.280597, s_tt = 29.333333
        // r = 42.637037 / sqrt(63.280597 * 29.333333) = 0.989626
        assertThat(s.value()).isCloseTo(0.989626, within(1e-6));
        assertThat(s.metrics()).containsEntry("logprob_positions", 6.0).containsEntry("answered_positions", 0.0)
                .containsEntry("n_tokens", 6.0);
        // per example: example 2 has constant truth, so only example 1 enters the per-example mean
        // by hand, example 1: p = (0.4, 9.222222, 2.4, 0), t = (0, 6, 2, 0); mean p = 3.005556, mean t = 2
        // deviations p: (−2.605556, 6.216667, −0.605556, −3.005556), t: (−2, 4, 0, −2)
        // s_pt = 5.211111 + 24.866667 + 0 + 6.011111 = 36.088889, s_pp = 54.835926, s_tt = 24
        // r = 36.088889 / sqrt(54.835926 · 24) = 0.994799
        assertThat(s.metrics().get("pearson_mean_per_example")).isCloseTo(0.994799, within(1e-6));
        assertThat(s.prompt().id()).isEqualTo("score/simulation");
        assertThat(s.prompt().sha256()).hasSize(64);
        assertThat(s.usage()).isEqualTo(new Usage(200, 20, 0));
    }

    @Test
    void jsonFallbackWhenTheProviderReturnsNoLogprobs() throws Exception {
        // logprobs were asked for, but the first reply has none: AUTO switches to structured JSON answers and asks again
        enqueue(completion("1\t0\n2\t8\n3\t3\n4\t0", null));
        enqueue(completion("```json\n{\"activations\": [0, 8, 3, 0]}\n```", null));
        enqueue(completion("{\"activations\": [1, 0]}", null));
        SimulationScorer scorer = new SimulationScorer(llm(true), TestRecords.prompts(), SimulationScorer.Mode.AUTO);
        Score s = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));

        assertThat(server.getRequestCount()).isEqualTo(3);
        server.takeRequest();
        JsonNode second = Json.MAPPER.readTree(server.takeRequest().getBody().utf8());
        assertThat(second.has("logprobs")).isFalse();
        assertThat(second.get("response_format").get("type").asText()).isEqualTo("json_schema");
        assertThat(second.get("response_format").get("json_schema").get("schema").get("properties").has("activations")).isTrue();

        // predictions (0, 8, 3, 0, 1, 0) vs truth (0, 6, 2, 0, 0, 0):
        // p̄ = 2, t̄ = 4/3; s_pt = 38, s_pp = 50, s_tt = 29.3333 -> r = 38 / sqrt(1466.667) = 0.992243
        assertThat(s.value()).isCloseTo(0.992243, within(1e-6));
        assertThat(s.prompt().id()).isEqualTo("score/simulation-json");
        assertThat(s.metrics()).containsEntry("answered_positions", 6.0).containsEntry("logprob_positions", 0.0);

        // the scorer remembers: the next latent goes straight to JSON
        enqueue(completion("{\"activations\": [0, 5, 5, 0]}", null));
        enqueue(completion("{\"activations\": [0, 0]}", null));
        Score s2 = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));
        assertThat(server.getRequestCount()).isEqualTo(5);
        assertThat(s2.isDefined()).isTrue();
    }

    @Test
    void unparseableAnswerIsATypedFailureNotAScore() {
        enqueue(completion("I think the neuron fires on dogs.", null));
        SimulationScorer scorer = new SimulationScorer(llm(false), TestRecords.prompts(), SimulationScorer.Mode.JSON);
        Score s = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));
        assertThat(s.isDefined()).isFalse();
        assertThat(s.undefined().reason()).isEqualTo(Score.Reason.UNPARSEABLE_ANSWER);
        assertThat(s.undefined().message()).contains("top:1").contains("no JSON");

        enqueue(completion("{\"activations\": [0, 8, 3]}", null)); // wrong length
        Score s2 = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));
        assertThat(s2.undefined().reason()).isEqualTo(Score.Reason.UNPARSEABLE_ANSWER);
        assertThat(s2.undefined().message()).contains("expected 4 activations, found 3");
    }

    @Test
    void constantPredictionIsUndefined() {
        enqueue(completion("{\"activations\": [2, 2, 2, 2]}", null));
        enqueue(completion("{\"activations\": [2, 2]}", null));
        SimulationScorer scorer = new SimulationScorer(llm(false), TestRecords.prompts(), SimulationScorer.Mode.JSON);
        Score s = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));
        assertThat(s.value()).isNull();
        assertThat(s.undefined().reason()).isEqualTo(Score.Reason.CONSTANT_PREDICTION);
        assertThat(s.metrics()).containsEntry("pearson_pooled", null);
    }

    @Test
    void serverErrorIsAnLlmErrorScore() {
        server.enqueue(new MockResponse.Builder().code(400).body("{\"error\":{\"message\":\"bad request\"}}").build());
        SimulationScorer scorer = new SimulationScorer(llm(false), TestRecords.prompts(), SimulationScorer.Mode.JSON);
        Score s = scorer.score(record(), TestRecords.explanation(id, "mentions of dogs"));
        assertThat(s.undefined().reason()).isEqualTo(Score.Reason.LLM_ERROR);
    }

    @Test
    void perfectSimulatorScoresOneAndPooledDiffersFromPerSequence() {
        Score.ExplanationRef ref = Score.ExplanationRef.of(TestRecords.explanation(id, "x"));
        // perfect: predictions proportional to the truth
        List<Score.ExampleDetail> perfect = List.of(
                new Score.ExampleDetail("top:0", true, null, null, null, null, new float[] {0, 4, 1}, new double[] {0, 8, 2}),
                new Score.ExampleDetail("random:0", false, null, null, null, null, new float[] {0, 0}, new double[] {0, 0}));
        assertThat(SimulationScorer.fromPredictions(id, ref, perfect, 5, 0, null, null).value()).isCloseTo(1.0, within(1e-12));

        // each sequence perfectly correlated on its own, but the simulator misses the scale between them:
        // truth (1,2,3 | 10,11,12), predictions (1,2,3 | 4,5,6): per-sequence r = 1 and 1 (mean 1);
        // pooled: t̄ = 6.5, p̄ = 3.5, s_pt = 44.5, s_tt = 125.5, s_pp = 17.5 -> r = 44.5 / sqrt(2196.25) = 0.949553
        List<Score.ExampleDetail> scale = List.of(
                new Score.ExampleDetail("top:0", true, null, null, null, null, new float[] {1, 2, 3}, new double[] {1, 2, 3}),
                new Score.ExampleDetail("top:1", true, null, null, null, null, new float[] {10, 11, 12}, new double[] {4, 5, 6}));
        Score s = SimulationScorer.fromPredictions(id, ref, scale, 6, 0, null, null);
        assertThat(s.value()).isCloseTo(0.949553, within(1e-6));
        assertThat(s.metrics().get("pearson_mean_per_example")).isCloseTo(1.0, within(1e-12));

        List<Score.ExampleDetail> flatTruth = List.of(
                new Score.ExampleDetail("random:0", false, null, null, null, null, new float[] {0, 0, 0}, new double[] {1, 0, 3}));
        assertThat(SimulationScorer.fromPredictions(id, ref, flatTruth, 0, 3, null, null).undefined().reason())
                .isEqualTo(Score.Reason.CONSTANT_ACTIVATION);
    }

    @Test
    void lineParsingToleratesSeparatorsButNotGaps() {
        assertThat(SimulationScorer.parseJsonStrict("[0, \"7\", 10]", 3)).containsExactly(0, 7, 10);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimulationScorer.parseJsonStrict("{\"activations\": [0, 11]}", 2))
                .hasMessageContaining("not an integer 0..10");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimulationScorer.parseJsonStrict("{\"activations\": [0, 2.5]}", 2))
                .hasMessageContaining("not an integer");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimulationScorer.parseLinesStrict("1\t3\n3\t4", 3))
                .hasMessageContaining("no activation for token 2");
        assertThat(SimulationScorer.parseLinesStrict("Here you go:\n1: 3\n2 = 0\n3\t10\n", 3).values()).containsExactly(3, 0, 10);
    }
}
