package org.isaerft.cli;

import org.isaerft.testing.Cli.Run;
import static org.isaerft.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on real models against independent known answers: the gpt2-tiny fixture's llm.c
 * activations, and stories260K's greedy continuation from its README (llama2.c run.c).
 */
class CliModelsTest {
    @TempDir
    Path tmp;

    @Test
    void activationsOnGpt2TinyReproduceTheLlmcFixture() throws Exception {
        Path dir = Shared.path("fixtures/gpt2-tiny");
        SafeTensors.File expected = SafeTensors.read(dir.resolve("expected.safetensors"));
        int[] tok = expected.get("tokens", 2, 16).toIntArray();
        String tokensJson = Json.line(new int[][] {Arrays.copyOfRange(tok, 0, 16), Arrays.copyOfRange(tok, 16, 32)});
        List<String> hooks = new ArrayList<>();
        for (String name : expected.tensors().keySet()) {
            if (!Set.of("tokens", "targets", "logits", "losses").contains(name)) {
                hooks.add(name);
            }
        }
        assertThat(hooks).hasSize(1 + 2 * 10); // ln_final + 10 block sites per layer
        Path out = tmp.resolve("gpt2-tiny.safetensors");
        Run r = run("activations", "--model", dir.toString(), "--tokens-json", tokensJson, "--hooks", String.join(",", hooks),
                "--logits", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();

        SafeTensors.File got = SafeTensors.read(out);
        List<String> names = new ArrayList<>(hooks);
        names.add("logits");
        assertThat(got.tensors().keySet()).containsExactlyElementsOf(names);
        for (String name : names) {
            HostTensor e = expected.get(name);
            HostTensor g = got.get(name, e.shape());
            assertThat(g.dtype()).as(name).isEqualTo(org.isaerft.tensor.DType.F32);
            assertThat(maxAbsDiff(e.toFloatArray(), g.toFloatArray())).as(name).isLessThanOrEqualTo(1e-5);
        }
        assertThat(got.metadata()).containsEntry("model", dir.toString()).containsEntry("hooks", String.join(",", hooks));
    }

    @Test
    void earlyHooksWithoutLogitsMatchTheFixtureAndWriteNoLogits() {
        Path dir = Shared.path("fixtures/gpt2-tiny");
        SafeTensors.File expected = SafeTensors.read(dir.resolve("expected.safetensors"));
        int[] tok = expected.get("tokens", 2, 16).toIntArray();
        String tokensJson = Json.line(new int[][] {Arrays.copyOfRange(tok, 0, 16), Arrays.copyOfRange(tok, 16, 32)});
        Path out = tmp.resolve("early.safetensors");
        Run r = run("activations", "--model", dir.toString(), "--tokens-json", tokensJson, "--hooks",
                "blocks.0.hook_resid_post,blocks.0.hook_resid_pre", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        SafeTensors.File got = SafeTensors.read(out);
        assertThat(got.tensors().keySet()).containsExactly("blocks.0.hook_resid_post", "blocks.0.hook_resid_pre");
        for (String name : got.tensors().keySet()) {
            assertThat(maxAbsDiff(expected.get(name).toFloatArray(), got.get(name, 2, 16, 64).toFloatArray())).as(name)
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void generateStories260KGreedyMatchesLlama2c() throws Exception {
        String readme = Files.readString(Shared.path("models/stories260K/README.md"));
        Matcher m = Pattern.compile("gives the ids\\s*\\n\\s*\\n\\s*([0-9 ]+)\\n").matcher(readme);
        assertThat(m.find()).as("known ids in the README").isTrue();
        int[] known = Arrays.stream(m.group(1).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
        assertThat(known).hasSize(59);
        Matcher t = Pattern.compile("decode to the text below[^\\n]*\\n\\s*\\n    (.+)\\n    (L)\\n").matcher(readme);
        assertThat(t.find()).as("known text in the README").isTrue();

        Run r = run("generate", "--model", "stories260K", "--prompt", "Once upon a time", "--max-new-tokens", "59",
                "--temperature", "0", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertThat(Json.MAPPER.convertValue(o.get("prompt_ids"), int[].class)).containsExactly(1, 403, 407, 261, 378);
        assertThat(Json.MAPPER.convertValue(o.get("output_ids"), int[].class)).containsExactly(known);
        assertThat(o.get("text").asText()).isEqualTo(t.group(1) + "\n" + t.group(2));
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
