package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code activations --sae}: latents and reconstruction at the SAE's hook against the numpy fixture. */
class ActivationsSaeTest {
    @TempDir
    Path tmp;

    static double maxDiff(HostTensor a, HostTensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }

    @Test
    void writesApolloLatentsAndReconstructionMatchingTheFixture() {
        SafeTensors.File gpt = SafeTensors.read(Shared.path("fixtures/gpt2-tiny/expected.safetensors"));
        SafeTensors.File sae = SafeTensors.read(Shared.path("fixtures/sae-tiny/apollo-e2e/expected.safetensors"));
        int[] ids = gpt.get("tokens").toIntArray();
        int[][] rows = {java.util.Arrays.copyOfRange(ids, 0, 16), java.util.Arrays.copyOfRange(ids, 16, 32)};
        Path out = tmp.resolve("acts.safetensors");
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute("activations", "--model", Shared.path("fixtures/gpt2-tiny").toString(), "--tokens-json", Json.line(rows),
                "--logits", "--sae", Shared.path("fixtures/sae-tiny/apollo-e2e").toString(), "--out", out.toString());
        assertThat(code).as(err.toString()).isZero();
        SafeTensors.File f = SafeTensors.read(out);
        assertThat(maxDiff(f.get("blocks.1.hook_resid_pre"), sae.get("input_raw"))).isLessThan(1e-5);
        assertThat(maxDiff(f.get("blocks.1.hook_resid_pre.sae.input"), sae.get("input_centred"))).isLessThan(1e-5);
        assertThat(maxDiff(f.get("blocks.1.hook_resid_pre.sae.latents"), sae.get("latents"))).isLessThan(1e-5);
        assertThat(maxDiff(f.get("blocks.1.hook_resid_pre.sae.reconstruction"), sae.get("reconstruction"))).isLessThan(1e-5);
        // the error-term splice leaves the logits as llm.c computed them
        assertThat(maxDiff(f.get("logits"), gpt.get("logits"))).isLessThan(1e-5);
        assertThat(f.metadata()).containsEntry("sae", "samples_400000").containsEntry("sae_hook", "blocks.1.hook_resid_pre")
                .containsEntry("sae_input_normalization", "center");
    }
}
