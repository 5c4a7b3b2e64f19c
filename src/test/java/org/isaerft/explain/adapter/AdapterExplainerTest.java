package org.isaerft.explain.adapter;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.explain.ExplainResult;
import org.isaerft.explain.Explanation;
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

/** FFNN units and scale/bias adapters explained offline and through an LLM (OpenAI wire format). */
class AdapterExplainerTest {
    static final String SRC = "blocks.6.hook_resid_pre";
    static final Map<LatentId, String> DESC = Map.of(
            new LatentId(SRC, 0), "questions asked by a user",
            new LatentId(SRC, 1), "polite refusals",
            new LatentId(SRC, 2), "fictional stories",
            new LatentId(SRC, 3), "step-by-step instructions");
    static final Path GOLDEN = Path.of("src/test/resources/golden/explain");

    @RegisterExtension
    final TestServer server = new TestServer();

    static LatentRecord unitRecord() {
        Example e = new Example(new int[] {1, 2, 3, 4}, List.of("How", " do", " I", " pick"), new float[] {0.1f, 0.2f, 0.3f, 2.5f}, 3,
                10, Example.SPLIT_EXPLAIN, Example.KIND_TOP, -1);
        Example held = new Example(new int[] {1, 2}, List.of("HELDOUT", " x"), new float[] {0f, 3f}, 4, 0, Example.SPLIT_SCORE,
                Example.KIND_TOP, -1);
        return LatentRecord.of(new LatentId("orpo-1/ffnn", 0), false, new LatentStats(100, 5, 0.05, 3, 1, new double[] {0, 3},
                new long[] {5}), List.of(e, held), List.of(), List.of(), null);
    }

    static FfnnWeights ffnn() {
        float[][] w1 = {{0.9f, 0f, -0.65f, 0.42f, 0.05f}, {0f, 0f, 0f, 0f, 0f}};
        float[][] w2 = {{0f, 0.3f}, {1.2f, 0f}, {0f, 0f}, {-0.8f, 0f}, {0.1f, 0f}};
        return new FfnnWeights("orpo-1", SRC, w1, w2, DESC, Map.of(0, unitRecord()));
    }

    static VectorWeights scale() {
        return new VectorWeights("orpo-scale", VectorWeights.Kind.SCALE, SRC, new float[] {0.5f, -0.2f, 0f, 0.8f, -0.9f}, DESC);
    }

    @Test
    void shapesAreValidated() {
        assertThatThrownBy(() -> new FfnnWeights("a", SRC, new float[][] {{1, 2}}, new float[][] {{1}, {1}, {1}}, Map.of(), Map.of()))
                .hasMessageContaining("W2 must be [d_sae, hidden] = [2, 1], found 3 rows");
        assertThatThrownBy(() -> ffnn().reads(5, 3)).hasMessageContaining("2 hidden units; unit 5 does not exist");
    }

    @Test
    void readsAndWritesAreRankedByMagnitude() {
        FfnnWeights a = ffnn();
        assertThat(a.reads(0, 3)).extracting(w -> w.latent().index()).containsExactly(0, 2, 3);
        assertThat(a.reads(0, 3)).extracting(WeightedLatent::weight).containsExactly(0.9f * 1.0, (double) -0.65f, (double) 0.42f);
        assertThat(a.writes(0, 3)).extracting(w -> w.latent().index()).containsExactly(1, 3, 4);
        assertThat(a.writes(1, 3)).extracting(w -> w.latent().index()).containsExactly(0);
        assertThat(a.unitId(0).toString()).isEqualTo("orpo-1/ffnn/0");
    }

    @Test
    void offlineUnitSentence() throws Exception {
        AdapterExplainResult<UnitExplanation> r = AdapterExplainer.offline(3).explainUnit(ffnn(), 0);
        UnitExplanation u = ((AdapterExplainResult.Success<UnitExplanation>) r).value();
        assertThat(u.question()).isEqualTo("\"questions asked by a user\" or \"step-by-step instructions\" is active and "
                + "\"fictional stories\" is not");
        assertThat(u.edit()).isEqualTo("raises \"polite refusals\" and \"latent blocks.6.hook_resid_pre/4 (no description)\" and "
                + "lowers \"step-by-step instructions\"");
        assertThat(u.sentence()).isEqualTo("when " + u.question() + ", it " + u.edit());
        assertThat(u.contexts()).containsExactly("How do I<< pick>>");
        assertThat(u.method()).isEqualTo("adapter-offline");
        Explanation e = u.toExplanation();
        assertThat(e.latent().toString()).isEqualTo("orpo-1/ffnn/0");
        assertThat(e.description()).isEqualTo(u.sentence());
        assertThat(Json.MAPPER.readTree(Json.write(u)).get("type").asText()).isEqualTo("adapter_unit_explanation");

        AdapterExplainResult<UnitExplanation> silent = AdapterExplainer.offline(3).explainUnit(ffnn(), 1);
        assertThat(silent).isInstanceOfSatisfying(AdapterExplainResult.Failure.class, f -> {
            assertThat(f.reason()).isEqualTo(ExplainResult.Reason.NO_SIGNAL);
            assertThat(f.message()).contains("W1 row is zero");
        });
    }

    @Test
    void offlineChangeSummary() {
        AdapterChangeExplanation c = ((AdapterExplainResult.Success<AdapterChangeExplanation>) AdapterExplainer.offline(2)
                .explainChange(scale())).value();
        assertThat(c.raised()).extracting(w -> w.latent().index()).containsExactly(3, 0);
        assertThat(c.lowered()).extracting(w -> w.latent().index()).containsExactly(4, 1);
        assertThat(c.summary()).isEqualTo("fine-tuning raises \"step-by-step instructions\" (+0.800) and \"questions asked by a user\" "
                + "(+0.500); it lowers \"latent blocks.6.hook_resid_pre/4 (no description)\" (-0.900) and \"polite refusals\" (-0.200)");
        assertThat(c.kind()).isEqualTo("scale");
        VectorWeights zero = new VectorWeights("z", VectorWeights.Kind.BIAS, SRC, new float[3], Map.of());
        assertThat(AdapterExplainer.offline(2).explainChange(zero)).isInstanceOf(AdapterExplainResult.Failure.class);
    }

    static MockResponse answer(String text) {
        return Wire.openAiAnswer(text, 200, 40);
    }

    AdapterExplainer llm() {
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c, Map.<String, String>of()::get), c).build();
        return AdapterExplainer.llm(client, Prompts.project(TestHome.HOME), 3, 1);
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path p = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(p, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual).isEqualTo(Files.readString(p, StandardCharsets.UTF_8));
    }

    @Test
    void llmPromptsArePinned() throws IOException {
        AdapterExplainer x = llm();
        List<Message> unit = x.unitMessages(ffnn(), 0);
        assertGolden("adapter-ffnn-unit.txt", Message.transcript(unit));
        assertThat(unit.get(unit.size() - 1).text()).contains("+0.900  blocks.6.hook_resid_pre/0: questions asked by a user\n"
                + "-0.650  blocks.6.hook_resid_pre/2: fictional stories").contains("How do I<< pick>>").doesNotContain("HELDOUT");
        List<Message> change = x.changeMessages(scale());
        assertGolden("adapter-change-summary.txt", Message.transcript(change));
        assertThat(change.get(0).text()).contains("multiplies latent i by (1 + s_i)");
    }

    @Test
    void llmUnitAnswerIsParsedAndABadOneRetried() {
        server.enqueue(answer("This unit seems to detect requests."));
        server.enqueue(answer("**QUESTION:** a user asks how to do something\nEDIT: raises polite refusals\n"
                + "SENTENCE: when a user asks how to do something, it raises polite refusals"));
        AdapterExplainer x = llm();
        UnitExplanation u = ((AdapterExplainResult.Success<UnitExplanation>) x.explainUnit(ffnn(), 0)).value();
        assertThat(u.question()).isEqualTo("a user asks how to do something");
        assertThat(u.edit()).isEqualTo("raises polite refusals");
        assertThat(u.sentence()).isEqualTo("when a user asks how to do something, it raises polite refusals");
        assertThat(u.method()).isEqualTo("llm:openai/gpt-4o-mini:adapter");
        assertThat(u.promptId()).isEqualTo("adapter/ffnn-unit");
        assertThat(u.usage().inputTokens()).isEqualTo(400);
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void llmChangeSummaryNeedsItsMarker() {
        server.enqueue(answer("It boosts instructions."));
        server.enqueue(answer("Nothing clear."));
        AdapterExplainer x = llm();
        assertThat(x.explainChange(scale())).isInstanceOfSatisfying(AdapterExplainResult.Failure.class, f -> {
            assertThat(f.reason()).isEqualTo(ExplainResult.Reason.UNPARSEABLE);
            assertThat(f.answers()).containsExactly("It boosts instructions.", "Nothing clear.");
        });
        server.enqueue(answer("Instructions up, refusals down.\n[SUMMARY]: Fine-tuning amplified instruction-following and "
                + "suppressed refusals."));
        AdapterChangeExplanation c = ((AdapterExplainResult.Success<AdapterChangeExplanation>) llm().explainChange(
                new VectorWeights("b", VectorWeights.Kind.BIAS, SRC, new float[] {0.1f, -0.3f}, DESC))).value();
        assertThat(c.summary()).isEqualTo("Fine-tuning amplified instruction-following and suppressed refusals");
    }
}
