package org.isaerft.explain;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.isaerft.activations.LatentRecord;
import org.isaerft.cli.Main;
import org.isaerft.llm.BudgetExceededException;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Provider;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Whole runs: output files, resume after a kill, budget stop, and the CLI. */
class ExplainRunTest {
    @TempDir
    Path tmp;
    @RegisterExtension
    final TestServer server = new TestServer();
    volatile int completionTokens = 12;

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return Wire.openAiAnswer("[EXPLANATION]: Dogs and puppies", 0, completionTokens);
            }
        });
    }

    Path records(LatentRecord... rs) throws IOException {
        Path dir = tmp.resolve("records");
        Files.createDirectories(dir);
        for (LatentRecord r : rs) {
            Json.writeFile(dir.resolve(r.id().fileSafe() + ".json"), r);
        }
        Files.writeString(dir.resolve("index.json"), "{\"schema_version\":1,\"type\":\"latent_index\"}");
        return dir;
    }

    static LatentRecord[] dogs(int n) {
        LatentRecord[] rs = new LatentRecord[n];
        for (int i = 0; i < n; i++) {
            rs[i] = Records.dog(i + 1);
        }
        return rs;
    }

    LlmConfig config() {
        return LlmConfig.builder(Provider.OPENAI, "gpt-4o-mini").baseUrl(server.url("/v1").toString()).build();
    }

    ExplainRun llmRun(ChatModel model, LlmConfig c, Path out, int threads) {
        LlmClient client = LlmClient.builder(model, c).build(); // no cache: resume must come from the per-latent files
        LlmExplainer x = new LlmExplainer(client, LlmExplainer.Style.DELPHI, Prompts.project(TestHome.HOME), LlmExplainer.Options.DEFAULT);
        return new ExplainRun(x, out, new ExplainRun.Options(threads, 0, "gpt2-small", null), client, x.prompt());
    }

    @Test
    void offlineRunWritesAllOutputs() throws IOException {
        Path dir = records(Records.dog(1), Records.dog(2), Records.dead(3), Records.sparse(4));
        Path out = tmp.resolve("out");
        ExplainRun.Summary s = new ExplainRun(new TokenStatsExplainer(), out, new ExplainRun.Options(2, 0, "gpt2-small", "6-res-jb"),
                null, null).run(dir);

        assertThat(s.records()).isEqualTo(4);
        assertThat(s.explainedNow()).isEqualTo(2);
        assertThat(s.failedNow()).containsExactlyInAnyOrderEntriesOf(Map.of("dead_latent", 1, "no_signal", 1));
        Map<String, String> descriptions = Json.MAPPER.readValue(out.resolve("latent_descriptions.json").toFile(),
                new TypeReference<LinkedHashMap<String, String>>() {});
        assertThat(descriptions).containsExactly(
                Map.entry("blocks.6.hook_resid_pre/1", "tokens \" dog\"; contexts \" the dog\""),
                Map.entry("blocks.6.hook_resid_pre/2", "tokens \" dog\"; contexts \" the dog\""));
        List<String> lines = Files.readAllLines(out.resolve("explanations.jsonl"));
        assertThat(lines).hasSize(2);
        Explanation e = Json.MAPPER.readValue(lines.get(0), Explanation.class);
        assertThat(e.latent().toString()).isEqualTo("blocks.6.hook_resid_pre/1");
        assertThat(lines.get(0)).contains("\"schema_version\":1", "\"examples_used\":[", "\"type\":\"explanation\"");
        JsonNode np = Json.MAPPER.readTree(out.resolve("neuronpedia_explanations.json").toFile());
        assertThat(np).hasSize(2);
        assertThat(np.get(1).get("modelId").asText()).isEqualTo("gpt2-small");
        assertThat(np.get(1).get("layer").asText()).isEqualTo("6-res-jb");
        assertThat(np.get(1).get("index").asText()).isEqualTo("2");
        assertThat(np.get(1).get("typeName").asText()).isEqualTo("isaerft_token-stats");
        assertThat(Files.readAllLines(out.resolve("failures.jsonl"))).hasSize(2)
                .anySatisfy(l -> assertThat(l).contains("\"reason\":\"DEAD_LATENT\"", "blocks.6.hook_resid_pre/3"));
        assertThat(Json.MAPPER.readTree(out.resolve("summary.json").toFile()).get("type").asText()).isEqualTo("explain_run_summary");

        // a second run redoes nothing
        ExplainRun.Summary again = new ExplainRun(new TokenStatsExplainer(), out, new ExplainRun.Options(1, 0, null, null), null, null)
                .run(dir);
        assertThat(again.reused()).isEqualTo(2);
        assertThat(again.explainedNow()).isZero();
        assertThat(again.totalExplained()).isEqualTo(2);

        // another method may not write into the same directory
        assertThatThrownBy(() -> new ExplainRun(new LogitLensExplainer(), out, new ExplainRun.Options(1, 0, null, null), null, null)
                .run(dir)).hasMessageContaining("token-stats").hasMessageContaining("another --out");
    }

    /** A ChatModel that forwards to a real one and dies (like a killed process) after {@code k} calls. */
    static final class DiesAfter implements ChatModel {
        final ChatModel delegate;
        final int k;
        final AtomicInteger calls = new AtomicInteger();

        DiesAfter(ChatModel delegate, int k) {
            this.delegate = delegate;
            this.k = k;
        }

        @Override
        public ChatResponse doChat(ChatRequest request) {
            if (calls.incrementAndGet() > k) {
                throw new KilledError();
            }
            return delegate.chat(request);
        }
    }

    static final class KilledError extends Error {
        KilledError() {
            super("simulated kill");
        }
    }

    @Test
    void killedRunResumesWithoutRedoingFinishedLatents() throws IOException {
        Path dir = records(dogs(6));
        Path out = tmp.resolve("out");
        LlmConfig c = config();
        ChatModel real = ChatModels.create(c, Map.<String, String>of()::get);

        assertThatThrownBy(() -> llmRun(new DiesAfter(real, 3), c, out, 1).run(dir)).isInstanceOf(KilledError.class);
        assertThat(server.getRequestCount()).isEqualTo(3);
        try (var files = Files.list(out.resolve(ExplainRun.LATENTS))) {
            assertThat(files.toList()).hasSize(3);
        }
        assertThat(out.resolve("explanations.jsonl")).doesNotExist(); // killed before assembling

        ExplainRun.Summary s = llmRun(real, c, out, 2).run(dir);
        assertThat(server.getRequestCount()).isEqualTo(6); // only the 3 unfinished latents were asked
        assertThat(s.reused()).isEqualTo(3);
        assertThat(s.explainedNow()).isEqualTo(3);
        assertThat(s.totalExplained()).isEqualTo(6);
        assertThat(Files.readAllLines(out.resolve("explanations.jsonl"))).hasSize(6);
        assertThat(s.llm().requests()).isEqualTo(3);
    }

    @Test
    void budgetStopKeepsFinishedWorkAndARaisedBudgetFinishesTheRest() throws IOException {
        completionTokens = 1000; // each answer costs 1000 * $10/1M = $0.01; worst case is the same (max_tokens 1000)
        Path dir = records(dogs(4));
        Path out = tmp.resolve("out");
        LlmConfig c = config().toBuilder().prices(0.0, 10.0).maxTokens(1000).budgetUsd(0.025).build();
        ChatModel real = ChatModels.create(c, Map.<String, String>of()::get);

        assertThatThrownBy(() -> llmRun(real, c, out, 1).run(dir)).isInstanceOf(BudgetExceededException.class);
        assertThat(server.getRequestCount()).isEqualTo(2);
        JsonNode summary = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("stopped_by").asText()).isEqualTo("budget");
        assertThat(summary.get("total_explained").asInt()).isEqualTo(2);
        assertThat(summary.get("llm").get("budget_refusals").asInt()).isEqualTo(1);
        assertThat(Files.readAllLines(out.resolve("explanations.jsonl"))).hasSize(2);

        LlmConfig more = c.toBuilder().budgetUsd(1.0).build();
        ExplainRun.Summary s = llmRun(ChatModels.create(more, Map.<String, String>of()::get), more, out, 1).run(dir);
        assertThat(server.getRequestCount()).isEqualTo(4);
        assertThat(s.totalExplained()).isEqualTo(4);
        assertThat(s.stoppedBy()).isNull();
    }

    @Test
    void cliExplainsOfflineAndWithAnLlmConfig() throws IOException {
        Path dir = records(Records.dog(1), Records.dog(2));
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("explain", "--records", dir.toString(), "--method", "logit-lens", "--out", tmp.resolve("ll").toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.readString(tmp.resolve("ll/latent_descriptions.json")))
                .contains("\"blocks.6.hook_resid_pre/1\" : \"promotes \\\" dog\\\", \\\" dogs\\\", \\\" puppies\\\"; suppresses \\\" cats\\\", \\\" cat\\\"\"");

        Path cfg = tmp.resolve("llm.yaml");
        Files.writeString(cfg, "schema_version: 1\nprovider: openai\nmodel: gpt-4o-mini\nbase_url: " + server.url("/v1")
                + "\nconcurrency: 2\nprice_input_per_1m: 0.15\nprice_output_per_1m: 0.6\n");
        Path out = tmp.resolve("oai");
        code = cl.execute("explain", "--records", dir.toString(), "--method", "llm-delphi", "--llm-config", cfg.toString(), "--out",
                out.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(server.getRequestCount()).isEqualTo(2);
        assertThat(Files.readString(out.resolve("latent_descriptions.json"))).contains("Dogs and puppies");
        JsonNode summary = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("method").asText()).isEqualTo("llm:openai/gpt-4o-mini:delphi");
        assertThat(summary.get("prompt_sha256").asText()).matches("[0-9a-f]{64}");
        assertThat(summary.get("llm_config").get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(out.resolve("llm_summary.json")).exists();
        assertThat(out.resolve("llm_cache")).isDirectory();

        // rerun: everything reused, no request
        code = cl.execute("explain", "--records", dir.toString(), "--method", "llm-delphi", "--llm-config", cfg.toString(), "--out",
                out.toString());
        assertThat(code).isZero();
        assertThat(server.getRequestCount()).isEqualTo(2);

        code = cl.execute("explain", "--records", dir.toString(), "--method", "llm-oai", "--out", tmp.resolve("x").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("error: --method llm-oai needs --llm-config");
    }
}
