package org.isaerft.run;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.isaerft.config.RunConfig;
import org.isaerft.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything a run needs is checked before the first stage, and every problem is listed at once. */
class RunCheckTest {
    @TempDir
    Path tmp;

    static RunConfig config(String corpus, String model, String saeSpec, String tasks, String explain) {
        String yaml = """
                schema_version: 1
                run_id: check
                seed: 1
                model: %s
                corpus: {path: '%s', tokens: 100}
                saes:
                  - {name: a, type: local, spec: '%s', hook: blocks.2.hook_resid_pre}
                  - {name: t, type: local, hook: blocks.2.hook_resid_pre, train: {kind: local, d_sae: 16, tokens: 64, batch: 1, seq: 8}}
                adapters: {tasks: [%s], components: [scale], steps: 1}
                explain: %s
                """.formatted(model, corpus, saeSpec, tasks, explain);
        return RunConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "check.yaml");
    }

    @Test
    void aGoodConfigHasNoProblems() {
        RunConfig ok = config("${shared}/corpora/tinystories/tinystories-sample.txt", "stories260K", "results/sae/stories260K/local",
                "dogs, control", "{methods: [token-stats]}");
        assertThat(new RunCheck(ok, TestHome.HOME, Map.<String, String>of()::get).problems()).isEmpty();
    }

    @Test
    void theRecoverySectionIsValidatedWithDefaultsAndItsSaesMustShareAHook() {
        String base = """
                schema_version: 1
                run_id: check
                seed: 1
                model: stories260K
                corpus: {path: '${shared}/corpora/tinystories/tinystories-sample.txt', tokens: 100}
                saes:
                  - {name: a, type: local, spec: 'results/sae/stories260K/local', hook: blocks.2.hook_resid_pre}
                  - {name: b, type: local, spec: 'results/sae/stories260K/local', hook: blocks.3.hook_resid_pre}
                explain: {methods: [token-stats]}
                """;
        RunConfig ok = parse(base + "recovery: {saes: [a]}\n");
        RunConfig.RecoverySection r = ok.recovery();
        assertThat(r.components()).containsExactly("ffnn");
        assertThat(r.tasks()).isEqualTo(3);
        assertThat(r.strength()).isEqualTo(4.0);
        assertThat(r.sweepTasks()).isZero();
        assertThat(new RunCheck(ok, TestHome.HOME, Map.<String, String>of()::get).problems()).isEmpty();
        RunConfig mixed = parse(base + "recovery: {tasks: 2}\n");
        assertThat(new RunCheck(mixed, TestHome.HOME, Map.<String, String>of()::get).problems())
                .anyMatch(p -> p.startsWith("recovery.saes:") && p.contains("blocks.2.hook_resid_pre") && p.contains("blocks.3.hook_resid_pre"));
        assertThatThrownBy(() -> parse(base + "recovery: {saes: [nope]}\n")).hasMessageContaining("recovery.saes");
        assertThatThrownBy(() -> parse(base + "recovery: {components: [lora]}\n")).hasMessageContaining("recovery.components");
        assertThatThrownBy(() -> parse(base + "recovery: {documents: 2}\n")).hasMessageContaining("recovery.documents");
        assertThatThrownBy(() -> parse(base + "recovery: {tasks: 2, sweep: [8], sweep_tasks: 3}\n"))
                .hasMessageContaining("recovery.sweep_tasks");
        // strength_unit: absent stays absent (so the stage hash of existing configs is unchanged), residual reads, others fail
        assertThat(r.strengthUnit()).isNull();
        assertThat(org.isaerft.util.Json.MAPPER.valueToTree(r).has("strength_unit")).isFalse();
        assertThat(parse(base + "recovery: {saes: [a], strength_unit: residual}\n").recovery().strengthUnit()).isEqualTo("residual");
        assertThatThrownBy(() -> parse(base + "recovery: {saes: [a], strength_unit: norm}\n"))
                .hasMessageContaining("recovery.strength_unit").hasMessageContaining("norm");
    }

    @Test
    void adaptersDefaultToTheLrSweepRatesAndTheDemoEvaluatesOn64WindowsWithARecoverySection() {
        RunConfig c = config("${shared}/corpora/tinystories/tinystories-sample.txt", "stories260K", "results/sae/stories260K/local",
                "dogs", "{methods: [token-stats]}");
        assertThat(c.adapters().lr()).isNull(); // null = per component: adapter.TrainConfig.defaultLr
        assertThat(c.adapters().evalWindows()).isEqualTo(64);
        RunConfig demo = RunConfig.read(TestHome.HOME.resolve("configs/demo.yaml"));
        assertThat(demo.adapters().lr()).as("demo adapters lr (the per-component defaults)").isNull();
        assertThat(demo.adapters().evalWindows()).isGreaterThanOrEqualTo(64);
        assertThat(demo.recovery()).isNotNull();
        assertThat(demo.recovery().components()).contains("scale", "ffnn");
        assertThat(new RunCheck(demo, TestHome.HOME, Map.<String, String>of()::get).problems()).isEmpty();
    }

    static RunConfig parse(String yaml) {
        return RunConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "check.yaml");
    }

    @Test
    void everyProblemIsListedAtOnceNamingTheKeyAndWhatWasFound() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        RunConfig bad = config(tmp.resolve("missing.txt").toString(), "no-such-model", "no-such-release/x", "dogs, unicorns",
                "{methods: [llm-oai], llm: configs/llm/openai.yaml}");
        List<String> p = new RunCheck(bad, TestHome.HOME, Map.<String, String>of()::get).problems();
        assertThat(p).hasSize(5);
        assertThat(p.get(0)).startsWith("corpus.path: ").contains("missing.txt", "does not exist");
        assertThat(p.get(1)).startsWith("model: 'no-such-model' is neither a model directory nor an alias").contains("stories260K");
        assertThat(p.get(2)).startsWith("saes[a].spec: 'no-such-release/x' is neither a local path");
        assertThat(p.get(3)).startsWith("adapters.tasks: card 'unicorns'");
        assertThat(p.get(4)).isEqualTo("explain.llm: environment variable OPENAI_API_KEY (api_key_env of "
                + TestHome.HOME.resolve("configs/llm/openai.yaml") + ") is not set");
        // with the key set, that problem goes away; an empty corpus file is named as such
        RunConfig emptyCorpus = config(empty.toString(), "stories260K", "results/sae/stories260K/local", "dogs",
                "{methods: [llm-oai], llm: configs/llm/openai.yaml}");
        assertThat(new RunCheck(emptyCorpus, TestHome.HOME, Map.of("OPENAI_API_KEY", "sk-test")::get).problems())
                .containsExactly("corpus.path: " + empty + " is empty (no documents to mine)");
    }

    @Test
    void runFailsBeforeTheFirstStageAndWritesNothing() {
        RunConfig bad = config("${shared}/corpora/tinystories/tinystories-sample.txt", "stories260K", "results/sae/stories260K/local",
                "dogs, unicorns", "{methods: [token-stats]}");
        Path out = tmp.resolve("run");
        assertThatThrownBy(() -> Pipeline.builder(bad, out, TestHome.HOME).log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build().run()).hasMessageContaining("cannot start, 1 problem(s)").hasMessageContaining("card 'unicorns'");
        assertThat(out).doesNotExist();
    }

    @Test
    void runCheckCommandListsTheProblemsAndExitsOne() throws Exception {
        Path cfg = tmp.resolve("bad.yaml");
        Files.writeString(cfg, """
                schema_version: 1
                run_id: check
                model: stories260K
                corpus: {path: '%s', tokens: 100}
                saes: [{name: a, type: local, spec: 'results/sae/stories260K/local', hook: blocks.2.hook_resid_pre}]
                adapters: {tasks: [dogs, unicorns], components: [scale], steps: 1}
                explain: {methods: [token-stats]}
                """.formatted(tmp.resolve("gone.txt")));
        Cli.Run r = Cli.run("run", "--check", cfg.toString());
        assertThat(r.code()).as("exit code; stderr %s", r.err()).isEqualTo(1);
        assertThat(r.out()).contains("2 problem(s)", "gone.txt", "card 'unicorns'");
    }
}
