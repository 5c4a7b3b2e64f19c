package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.isaerft.testing.Cli;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaeEvalCommandTest {
    @TempDir
    Path tmp;

    Path ids() throws IOException {
        return TestCorpus.randomIds(tmp.resolve("ids.jsonl"), 6, 20, 1);
    }

    @Test
    void evalPrintsJsonAndWritesItAtomically() throws IOException {
        Path out = tmp.resolve("eval.json");
        Cli.Run r = Cli.run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/apollo-e2e").toString(), "--corpus", ids().toString(),
                "--tokens", "64", "--seq", "16", "--batch", "2", "--json", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("schema_version").asInt()).isEqualTo(1);
        assertThat(j.get("type").asText()).isEqualTo("sae_eval");
        assertThat(j.get("tokens").asLong()).isEqualTo(64);
        assertThat(j.get("hook").asText()).isEqualTo("blocks.1.hook_resid_pre");
        assertThat(j.get("ce_increase").asDouble()).isEqualTo(j.get("ce_spliced").asDouble() - j.get("ce_clean").asDouble());
        assertThat(j.get("l0").asDouble()).isBetween(1.0, 256.0);
        assertThat(new ObjectMapper().readTree(out.toFile())).isEqualTo(j);
    }

    @Test
    void evalPrintsATable() throws IOException {
        Cli.Run r = Cli.run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/saelens/jumprelu").toString(), "--corpus", ids().toString(),
                "--tokens", "32", "--seq", "16", "--batch", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("L0").contains("dead latents").contains("CE increase").contains("KL(clean‖spliced)");
    }

    @Test
    void sparsifyWithoutHookFailsWithAClearError() throws IOException {
        Cli.Run r = Cli.run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--corpus", ids().toString(), "--tokens", "16", "--seq", "16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").contains("--sae-hook");
        Cli.Run ok = Cli.run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--sae-hook", "blocks.1.hook_resid_pre",
                "--corpus", ids().toString(), "--tokens", "16", "--seq", "16", "--json");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(new ObjectMapper().readTree(ok.out()).get("l0").asDouble()).isEqualTo(8.0);
    }

    @Test
    void listShowsTheCatalogueAndInfoShowsAnSae() throws IOException {
        Cli.Run list = Cli.run("sae", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("gpt2-small-e2e-apollo/e2e_similar_l0_layer_10  blocks.10.hook_resid_pre")
                .contains("gpt2-small-res_scefr-ajt/blocks.2.hook_resid_pre");
        Cli.Run info = Cli.run("sae", "info", "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--sae-hook", "blocks.1.hook_resid_pre");
        assertThat(info.code()).as(info.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(info.out());
        assertThat(j.get("config").get("activation").asText()).isEqualTo("topk");
        assertThat(j.get("config").get("k").asInt()).isEqualTo(8);
        assertThat(j.get("config").get("hook_point").asText()).isEqualTo("blocks.1.hook_resid_pre");
    }
}
