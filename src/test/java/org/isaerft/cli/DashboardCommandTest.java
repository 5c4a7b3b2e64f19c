package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.isaerft.activations.LatentAccumulator;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DashboardCommandTest {
    @Test
    void writesPagesAndReportsBadInput(@TempDir Path tmp) throws Exception {
        LatentAccumulator acc = new LatentAccumulator("blocks.0.hook_resid_pre", 3, MiningConfig.DEFAULT.withWindow(4));
        acc.addSequence(0, 0, new int[] {1, 2, 3, 4, 5}, 5, new float[] {0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}, 0);
        MiningOutput.write(tmp.resolve("rec"), List.of(new MiningOutput.SourceState(acc, null)),
                MiningOutput.tokenStrings(List.of(acc), id -> "<" + id + ">"), new MiningOutput.Provenance("m", "s", "c", List.of(), 0));
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("dashboard", "--records", tmp.resolve("rec").toString(), "--out", tmp.resolve("html").toString());
        assertThat(rc).as(err.toString()).isZero();
        assertThat(out.toString()).contains("3 latent pages");
        assertThat(tmp.resolve("html/index.html")).exists();
        assertThat(Files.list(tmp.resolve("html/latents")).count()).isEqualTo(3);

        rc = cl.execute("dashboard", "--records", tmp.resolve("missing").toString(), "--out", tmp.resolve("h2").toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("error: records directory").contains("does not exist");
    }
}
