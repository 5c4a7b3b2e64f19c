package org.isaerft.run;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.isaerft.config.RunConfig;
import org.isaerft.hub.HubClient;
import org.isaerft.hub.HubException;
import org.isaerft.report.Report;
import org.isaerft.run.layout.StageId;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestServer;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The research pipeline's shape offline: the gpt2-tiny fixture with two SAE formats (SAELens and
 * Apollo e2e .pt), an LLM explainer (Delphi style) over MockWebServer speaking the OpenAI wire
 * format with an API key from the (injected) environment — which must never reach a file — and
 * configs/gpt2-e2e.yaml up to the hub fetch.
 */
class LlmPipelineTest {
    static final String SECRET = "sk-test-7f3c9a1e5b2d4c6e8a0b";

    @TempDir
    Path tmp;

    @RegisterExtension
    final TestServer server = new TestServer();
    final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest req) {
                requests.add(req);
                return Wire.openAiAnswer("The marked tokens repeat.\n[EXPLANATION]: repeated number tokens in a sequence", 200, 10);
            }
        });
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Documents of token ids (the gpt2-tiny fixture's IdTokenizer text form), blank-line separated. */
    Path idCorpus() throws IOException {
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < 40; d++) {
            for (int t = 0; t < 40; t++) {
                sb.append(t == 0 ? "" : " ").append(r.nextInt(200) + (d % 4) * 200);
            }
            sb.append("\n\n");
        }
        Path p = tmp.resolve("ids.txt");
        Files.writeString(p, sb.toString());
        return p;
    }

    @Test
    void llmExplainedRunOnFixturesNeverWritesTheApiKey() throws IOException {
        Path llm = tmp.resolve("llm.yaml");
        Files.writeString(llm, """
                schema_version: 1
                provider: openai
                model: gpt-4o-mini
                base_url: %s
                api_key_env: TEST_LLM_KEY
                temperature: 0.0
                max_tokens: 256
                concurrency: 2
                max_retries: 1
                backoff_initial_ms: 1
                backoff_max_ms: 5
                price_input_per_1m: 0.15
                price_output_per_1m: 0.60
                """.formatted(server.url("/v1")));
        String yaml = """
                schema_version: 1
                run_id: fixtures
                seed: 1
                model: %s
                corpus: {path: %s, tokens: 1200, seq_len: 32, batch: 4}
                saes:
                  - {name: saelens, type: local, spec: %s}
                  - {name: apollo, type: e2e, spec: %s, hook: blocks.1.hook_resid_pre}
                mine: {top_k: 4, window: 8, per_decile: 1, n_random: 4}
                explain: {methods: [llm-delphi, logit-lens], llm: %s, max_latents: 6, threads: 2}
                score: {scorers: [embedding], bootstrap: 20}
                """.formatted(Shared.path("fixtures/gpt2-tiny"), idCorpus(), Shared.path("fixtures/sae-tiny/saelens"),
                Shared.path("fixtures/sae-tiny/apollo-e2e/samples_400000.pt"), llm);
        RunConfig cfg = RunConfig.parse(new java.io.ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "fixtures.yaml");
        Path out = tmp.resolve("run");
        Pipeline.Outcome o = Pipeline.builder(cfg, out, TestHome.HOME).log(quiet()).explainers(new DefaultExplainers(cfg, TestHome.HOME, Map.of("TEST_LLM_KEY", SECRET)::get))
                .env(Map.of("TEST_LLM_KEY", SECRET)::get).build().run();
        assertThat(o.stages().get(StageId.REPORT)).isEqualTo("ran");
        // 2 SAEs × 6 latents, one request each (answers parse), the key sent as a bearer token
        assertThat(requests).hasSize(12);
        for (RecordedRequest r : requests) {
            assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + SECRET);
        }
        JsonNode desc = Json.MAPPER.readTree(out.resolve("explain/apollo/llm-delphi/latent_descriptions.json").toFile());
        assertThat(desc.size()).isEqualTo(6);
        desc.elements().forEachRemaining(d -> assertThat(d.asText()).isEqualTo("repeated number tokens in a sequence"));
        // LLM usage and cost in run_config.json: 12 × (200 + 10) tokens at the configured prices
        JsonNode rc = Json.MAPPER.readTree(out.resolve("run_config.json").toFile());
        assertThat(rc.path("llm").path("input_tokens").asLong()).isEqualTo(12 * 200);
        assertThat(rc.path("llm").path("output_tokens").asLong()).isEqualTo(12 * 10);
        assertThat(rc.path("llm").path("cost_usd").asDouble()).isCloseTo(12 * (200 * 0.15 + 10 * 0.60) / 1e6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rc.path("prompts").get(0).path("id").asText()).isEqualTo("explain/delphi");
        assertThat(rc.path("prompts").get(0).path("sha256").asText()).hasSize(64);
        assertThat(rc.toString()).contains("TEST_LLM_KEY");
        // the key never reaches any file of the run
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(out)) {
            s.filter(Files::isRegularFile).forEach(files::add);
        }
        assertThat(files).hasSizeGreaterThan(20);
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(text).as("file %s", f).doesNotContain(SECRET);
        }
        // a rerun is answered from disk: no request, every stage skipped
        requests.clear();
        Pipeline.Outcome again = Pipeline.builder(cfg, out, TestHome.HOME).log(quiet())
                .explainers(new DefaultExplainers(cfg, TestHome.HOME, Map.of("TEST_LLM_KEY", SECRET)::get)).env(Map.of("TEST_LLM_KEY", SECRET)::get)
                .build().run();
        assertThat(again.stages().values()).containsOnly("skipped");
        assertThat(requests).isEmpty();
        assertThat(out.resolve(Report.HTML)).exists();
    }

    @Test
    void gpt2ConfigResolvesAndTheHubFetchFailsWithTheDocumentedError() throws IOException {
        RunConfig cfg = RunConfig.read(TestHome.HOME.resolve("configs/gpt2-e2e.yaml"));
        assertThat(cfg.model()).isEqualTo("gpt2");
        assertThat(cfg.saes()).extracting(RunConfig.SaeSection::type).containsExactly("e2e", "local", "e2e_downstream");
        org.isaerft.sae.PretrainedSaes cat = org.isaerft.sae.PretrainedSaes.load(TestHome.HOME.saeCatalogue());
        for (RunConfig.SaeSection s : cfg.saes()) {
            String[] parts = s.spec().split("/", 2);
            assertThat(cat.release(parts[0])).as("release of %s", s.spec()).isPresent();
            assertThat(cat.release(parts[0]).get().sae(parts[1])).as("sae %s", s.spec()).isNotNull();
        }
        assertThat(org.isaerft.llm.LlmConfig.load(TestHome.HOME.resolve(cfg.explain().llm())).apiKeyEnv()).isEqualTo("OPENAI_API_KEY");
        // the hub (MockWebServer here: no such repository) is asked for GPT-2 and the failure names it
        Files.createDirectories(tmp.resolve("mirror"));
        HubClient hub = HubClient.builder().quiet(true).env(Map.of("HF_ENDPOINT", server.url("/").toString(), "HF_HOME",
                tmp.resolve("hf").toString(), "ISAERFT_MIRROR", tmp.resolve("mirror").toString())).build();
        Path corpus = idCorpus();
        RunConfig local = new RunConfig(cfg.schemaVersion(), cfg.runId(), cfg.seed(), cfg.model(),
                new RunConfig.CorpusSection(corpus.toString(), 100, 32, 2, null), cfg.saes(), cfg.adapters(), cfg.mine(), cfg.explain(),
                cfg.score(), cfg.validate(), cfg.recovery());
        // without the LLM key the run stops before any stage (and before any download), naming the variable
        assertThatThrownBy(() -> Pipeline.builder(local, tmp.resolve("gpt2"), TestHome.HOME).log(quiet()).hub(hub).env(Map.<String, String>of()::get)
                .build().run()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OPENAI_API_KEY")
                .hasMessageContaining("cannot start");
        assertThat(requests).isEmpty();
        assertThatThrownBy(() -> Pipeline.builder(local, tmp.resolve("gpt2"), TestHome.HOME).log(quiet()).hub(hub)
                .env(Map.of("OPENAI_API_KEY", "sk-test-never-sent")::get).build().run())
                .isInstanceOf(HubException.class).hasMessageContaining("openai-community/gpt2");
        assertThat(requests).isNotEmpty();
        assertThat(requests.get(0).getUrl().encodedPath()).contains("openai-community/gpt2");
    }

    @Test
    void configErrorsNameTheFileAndTheField() throws IOException {
        Path bad = tmp.resolve("bad.yaml");
        String good = new String(LlmPipelineTest.class.getResourceAsStream("/run/tiny.yaml").readAllBytes(), StandardCharsets.UTF_8);
        Files.writeString(bad, good.replace("components: [scale]", "components: [scale, lora]"));
        assertThatThrownBy(() -> RunConfig.read(bad)).hasMessageContaining(bad.toString()).hasMessageContaining("adapters")
                .hasMessageContaining("lora");
        Files.writeString(bad, good.replace("top_k: 6", "top_kk: 6"));
        assertThatThrownBy(() -> RunConfig.read(bad)).hasMessageContaining(bad.toString()).hasMessageContaining("mine.top_kk");
        Files.writeString(bad, good.replace("methods: [token-stats, logit-lens]", "methods: [llm-oai]"));
        assertThatThrownBy(() -> RunConfig.read(bad)).hasMessageContaining("explain.llm");
        assertThatThrownBy(() -> RunConfig.read(tmp.resolve("missing.yaml"))).hasMessageContaining("missing.yaml")
                .hasMessageContaining("not found");
        assertThat(RunConfig.read(TestHome.HOME.resolve("configs/demo.yaml")).saes()).hasSize(2);
    }
}
