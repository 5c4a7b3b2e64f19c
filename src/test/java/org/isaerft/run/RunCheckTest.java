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
