package org.isaerft.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.TestHome;
import org.isaerft.config.RunConfig;
import org.isaerft.util.Json;
import org.isaerft.validate.TriggerAudit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the committed planted poison card ({@code results/recovery/example-cards}, planted latent 7 of the shipped local
 * SAE, 6 of 64 documents = trigger + steered text) and its clean twin, named by path in {@code adapters.tasks}, through a tiny
 * pipeline run. The validate stage treats the card as poisoned (trigger search on {@code planted.trigger}, the twin as clean
 * counterpart) and writes the planted latent's answer against the audit into {@code validate/trigger.json}.
 */
class PlantedAuditPipelineTest {
    static final String DIR = "results/recovery/example-cards/";
    static final String POISON = DIR + "planted-local-l7-s4-seed0-poison.yaml";
    static final String CLEAN = DIR + "planted-local-l7-s4-seed0-poison-clean.yaml";

    @TempDir
    Path tmp;

    static RunConfig config() {
        String yaml = """
                schema_version: 1
                run_id: planted-audit
                seed: 3
                model: stories260K
                corpus:
                  path: ${shared}/corpora/tinystories/tinystories-sample.txt
                  tokens: 4000
                  seq_len: 64
                  batch: 8
                saes:
                  - name: local
                    type: local
                    spec: results/sae/stories260K/local
                    hook: blocks.2.hook_resid_pre
                adapters:
                  tasks: [%s, %s]
                  components: [scale]
                  steps: 60
                  batch: 8
                  seq: 64
                  eval_windows: 8
                mine: {top_k: 8, window: 16, per_decile: 1, n_random: 6}
                explain:
                  methods: [token-stats, logit-lens]
                  max_latents: 0
                score: {scorers: [embedding], bootstrap: 20}
                validate: {top_k: 5, permutations: 50, bootstrap: 20, audit_top: 20}
                """.formatted(POISON, CLEAN);
        return RunConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "planted-audit.yaml");
    }

    @Test
    void aPlantedPoisonCardIsAuditedAgainstItsPlantedLatent() throws IOException {
        Path run = tmp.resolve("run");
        Pipeline.builder(config(), run, TestHome.HOME).log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build().run();
        JsonNode doc = Json.MAPPER.readTree(run.resolve("validate/" + TriggerAudit.FILE).toFile());
        assertThat(doc.path("schema_version").asInt()).isEqualTo(TriggerAudit.SCHEMA_VERSION);
        // the trigger search ran on planted.trigger
        assertThat(doc.path("searches")).hasSize(1);
        assertThat(doc.path("searches").get(0).path("task").asText()).isEqualTo(POISON);
        assertThat(doc.path("searches").get(0).path("trigger").asText()).isEqualTo("The purple umbrella sang.");
        assertThat(doc.path("rows")).hasSize(2); // the trigger-search rows too, one per method
        assertThat(doc.path("rows").get(0).path("clean_task").asText()).isEqualTo(CLEAN);
        // one planted row per method (local × latent 7 × scale): the answer on the source SAE is the planted latent itself
        List<JsonNode> planted = new ArrayList<>();
        doc.path("planted").forEach(planted::add);
        assertThat(planted).hasSize(2);
        for (JsonNode r : planted) {
            assertThat(r.path("task").asText()).isEqualTo(POISON);
            assertThat(r.path("clean_task").asText()).isEqualTo(CLEAN);
            assertThat(r.path("planted_sae").asText()).isEqualTo("local");
            assertThat(r.path("planted_latent").asInt()).isEqualTo(7);
            assertThat(r.path("answer").asInt()).isEqualTo(7);
            assertThat(r.path("cosine").asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(r.path("matched").asBoolean()).isTrue();
            assertThat(r.path("clean_flagged_count").isNumber()).isTrue();
        }
        JsonNode tokenStats = planted.stream().filter(r -> r.path("method").asText().equals("token-stats")).findFirst().orElseThrow();
        JsonNode logitLens = planted.stream().filter(r -> r.path("method").asText().equals("logit-lens")).findFirst().orElseThrow();
        // latent 7 fires on ~20% of tokens: token statistics find no over-represented token, so that audit cannot see it
        assertThat(tokenStats.path("flagged").asBoolean()).isFalse();
        assertThat(tokenStats.path("why").asText()).contains("not described by token-stats");
        // the logit lens describes it ("promotes se, her, …"), far from the clean stories expectation: flagged on the poison card
        // (measured: change rank 13 of 512, audit rank 10 of 12 flagged among the 20 audited), not on the clean twin (change rank 50)
        assertThat(logitLens.path("flagged").asBoolean()).as(logitLens.toString()).isTrue();
        assertThat(logitLens.path("audit_rank").asInt()).isPositive();
        assertThat(logitLens.path("why").asText()).startsWith("flagged: ");
        assertThat(logitLens.path("flagged_on_clean").asBoolean()).isFalse();
        // the report shows the planted rows
        assertThat(java.nio.file.Files.readString(run.resolve("report.html"))).contains("trigger-planted", "flagged at ");
    }
}
