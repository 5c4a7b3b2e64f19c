package org.isaerft.validate;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Message;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Provider;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The LLM judge over the real OpenAI wire format (MockWebServer) through the LLM layer. */
class LlmRelevanceJudgeTest {
    @TempDir
    Path tmp;
    @RegisterExtension
    final TestServer server = new TestServer();
    final Queue<String> answers = new ConcurrentLinkedQueue<>();
    final Queue<String> requests = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.add(request.getBody() == null ? "" : request.getBody().utf8());
                String a = answers.poll();
                return Wire.openAiAnswer(a == null ? "" : a, 50, 3);
            }
        });
    }

    LlmRelevanceJudge judge(Path cache) {
        LlmConfig c = LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).build();
        LlmClient client = LlmClient.builder(ChatModels.create(c), c).cacheDir(cache).build();
        return new LlmRelevanceJudge(client, Prompts.project(TestHome.HOME), 2);
    }

    static final TaskExpectation DOGS = new TaskExpectation("dogs", "Stories about dogs and puppies.", List.of("dog", "puppy"));

    @Test
    void parsesScoresAndRejectsEverythingElse() {
        assertThat(LlmRelevanceJudge.parseScore("score: 7")).contains(7);
        assertThat(LlmRelevanceJudge.parseScore("Reasoning first.\nScore: 10")).contains(10);
        assertThat(LlmRelevanceJudge.parseScore("3/10")).contains(3);
        assertThat(LlmRelevanceJudge.parseScore("0")).contains(0);
        assertThat(LlmRelevanceJudge.parseScore("score: 11")).isEmpty();
        assertThat(LlmRelevanceJudge.parseScore("It is quite relevant")).isEmpty();
        assertThat(LlmRelevanceJudge.parseScore("score: 7\nbecause dogs")).isEmpty();
        assertThat(LlmRelevanceJudge.parseScore("")).isEmpty();
    }

    @Test
    void rendersThePromptWithTaskConceptsAndDescription() {
        List<Message> m = judge(tmp.resolve("c")).messages("tokens \" dog\"", DOGS);
        String last = m.get(m.size() - 1).text();
        assertThat(last).contains("Task: Stories about dogs and puppies.").contains("Expected concepts: dog, puppy")
                .contains("Feature: tokens \" dog\"");
        assertThat(m.get(0).text()).contains("score: N");
    }

    @Test
    void asksAgainAfterAnUnparseableAnswerAndCachesTheResult() {
        answers.add("Quite relevant, I would say.");
        answers.add("score: 8");
        Path cache = tmp.resolve("cache");
        RelevanceJudge.Judgement j = judge(cache).judge("dogs barking", DOGS);
        assertThat(j).isInstanceOf(RelevanceJudge.Relevant.class);
        assertThat(((RelevanceJudge.Relevant) j).relevance()).isEqualTo(0.8);
        assertThat(requests).hasSize(2);
        // a rerun with the same cache asks nothing
        RelevanceJudge.Judgement again = judge(cache).judge("dogs barking", DOGS);
        assertThat(((RelevanceJudge.Relevant) again).relevance()).isEqualTo(0.8);
        assertThat(requests).hasSize(2);
    }

    @Test
    void unparseableAnswersBecomeATypedFailure() throws IOException {
        answers.addAll(List.of("maybe", "I cannot say", "relevant-ish"));
        RelevanceJudge.Judgement j = judge(tmp.resolve("c2")).judge("the letter q", DOGS);
        assertThat(j).isInstanceOf(RelevanceJudge.Failed.class);
        RelevanceJudge.Failed f = (RelevanceJudge.Failed) j;
        assertThat(f.reason()).isEqualTo(RelevanceJudge.Reason.UNPARSEABLE);
        assertThat(f.answers()).containsExactly("maybe", "I cannot say", "relevant-ish");
        assertThat(requests).hasSize(3);
        assertThat(Files.exists(tmp.resolve("c2"))).isTrue();
    }
}
