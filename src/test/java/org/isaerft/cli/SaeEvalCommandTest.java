package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SaeEvalCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    Path ids() throws IOException {
        SplittableRandom r = new SplittableRandom(1);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < 6; d++) {
            sb.append('[');
            for (int i = 0; i < 20; i++) {
                sb.append(i == 0 ? "" : ",").append(r.nextInt(1000));
            }
            sb.append("]\n");
        }
        Path f = tmp.resolve("ids.jsonl");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void evalPrintsJsonAndWritesItAtomically() throws IOException {
        Path out = tmp.resolve("eval.json");
        Run r = run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
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
        Run r = run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/saelens/jumprelu").toString(), "--corpus", ids().toString(),
                "--tokens", "32", "--seq", "16", "--batch", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("L0").contains("dead latents").contains("CE increase").contains("KL(clean‖spliced)");
    }

    @Test
    void sparsifyWithoutHookFailsWithAClearError() throws IOException {
        Run r = run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--corpus", ids().toString(), "--tokens", "16", "--seq", "16");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").contains("--sae-hook");
        Run ok = run("sae", "eval", "--model", Shared.path("fixtures/gpt2-tiny").toString(),
                "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--sae-hook", "blocks.1.hook_resid_pre",
                "--corpus", ids().toString(), "--tokens", "16", "--seq", "16", "--json");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(new ObjectMapper().readTree(ok.out()).get("l0").asDouble()).isEqualTo(8.0);
    }

    @Test
    void listShowsTheCatalogueAndInfoShowsAnSae() throws IOException {
        Run list = run("sae", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("gpt2-small-e2e-apollo/e2e_similar_l0_layer_10  blocks.10.hook_resid_pre")
                .contains("gpt2-small-res_scefr-ajt/blocks.2.hook_resid_pre");
        Run info = run("sae", "info", "--sae", Shared.path("fixtures/sae-tiny/sparsify").toString(), "--sae-hook", "blocks.1.hook_resid_pre");
        assertThat(info.code()).as(info.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(info.out());
        assertThat(j.get("config").get("activation").asText()).isEqualTo("topk");
        assertThat(j.get("config").get("k").asInt()).isEqualTo(8);
        assertThat(j.get("config").get("hook_point").asText()).isEqualTo("blocks.1.hook_resid_pre");
    }
}
