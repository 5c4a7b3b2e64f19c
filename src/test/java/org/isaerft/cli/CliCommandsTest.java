package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Cli;
import org.isaerft.testing.ToyModel;
import org.isaerft.util.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The generate and activations commands end to end through {@link Main#commandLine()}, on a
 * stand-in model with closed-form activations ({@link ToyModel}), so the plumbing (parsing,
 * stopAt, tensor names and shapes, metadata, JSON output, errors) is checked on its own.
 */
class CliCommandsTest {
    @TempDir
    Path tmp;
    Path modelDir;
    final AtomicReference<ToyModel> loaded = new AtomicReference<>();

    @BeforeEach
    void dir() throws Exception {
        modelDir = Files.createDirectories(tmp.resolve("toy"));
    }

    Cli.Run run(String... args) {
        CommandLine cl = Main.commandLine();
        ((GenerateCommand) cl.getSubcommands().get("generate").getCommand()).modelOptions.loader = this::toy;
        ((ActivationsCommand) cl.getSubcommands().get("activations").getCommand()).modelOptions.loader = this::toy;
        return Cli.run(cl, args);
    }

    private ToyModel toy(Path dir, ai.djl.ndarray.NDManager m) {
        assertThat(dir).isEqualTo(modelDir.toAbsolutePath().normalize());
        ToyModel t = new ToyModel(m);
        loaded.set(t);
        return t;
    }

    @Test
    void generateGreedyJsonHasPromptIdsNewIdsAndDecodedText() throws Exception {
        Cli.Run r = run("generate", "--model", modelDir.toString(), "--prompt", "abc", "--max-new-tokens", "9",
                "--temperature", "0", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode o = Json.MAPPER.readTree(r.out());
        assertThat(o.size()).isEqualTo(3);
        assertThat(Json.MAPPER.convertValue(o.get("prompt_ids"), int[].class)).containsExactly(0, 1, 2);
        // toy: the next token is always (last + 1) mod 10
        assertThat(Json.MAPPER.convertValue(o.get("output_ids"), int[].class)).containsExactly(3, 4, 5, 6, 7, 8, 9, 0, 1);
        assertThat(o.get("text").asText()).isEqualTo("abcdefghijab");
    }

    @Test
    void generateSamplingIsSeededAndTopOneIsGreedy() throws Exception {
        String[] base = {"generate", "--model", modelDir.toString(), "--prompt", "e", "--max-new-tokens", "12", "--json",
                "--temperature", "3"};
        int[] a = ids(run(concat(base, "--seed", "11")));
        int[] b = ids(run(concat(base, "--seed", "11")));
        int[] c = ids(run(concat(base, "--seed", "12")));
        assertThat(a).hasSize(12).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        assertThat(ids(run(concat(base, "--seed", "11", "--top-k", "1")))).containsExactly(5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void generateWithoutJsonPrintsReadableText() {
        Cli.Run r = run("generate", "--model", modelDir.toString(), "--prompt", "h", "--max-new-tokens", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("hija\n").contains("prompt ids (1): [7]").contains("new ids (3): [8, 9, 0]");
    }

    @Test
    void activationsWritesEachHookUnderItsNameWithLogitsAndMetadata() throws Exception {
        Path out = tmp.resolve("acts.safetensors");
        Cli.Run r = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1,2,3],[4,5,6]]",
                "--hooks", "blocks.1.hook_resid_post,hook_embed,blocks.0.hook_resid_mid", "--logits", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        SafeTensors.File f = SafeTensors.read(out);
        assertThat(f.tensors().keySet()).containsExactly("blocks.1.hook_resid_post", "hook_embed", "blocks.0.hook_resid_mid", "logits");
        int[][] tokens = {{1, 2, 3}, {4, 5, 6}};
        float[] embed = f.get("hook_embed", 2, 3, 3).toFloatArray();
        float[] mid0 = f.get("blocks.0.hook_resid_mid", 2, 3, 3).toFloatArray();
        float[] post1 = f.get("blocks.1.hook_resid_post", 2, 3, 3).toFloatArray();
        float[] logits = f.get("logits", 2, 3, 10).toFloatArray();
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                int id = tokens[b][t];
                float[] e = {id, 2 * id, t};
                for (int d = 0; d < 3; d++) {
                    int i = (b * 3 + t) * 3 + d;
                    assertThat(embed[i]).isEqualTo(e[d]);
                    assertThat(mid0[i]).isEqualTo(e[d] + 1);
                    assertThat(post1[i]).isEqualTo(4 * e[d] + 6); // ((e + 1) * 2 + 1) * 2
                }
                int next = (id + 1) % 10;
                assertThat(logits[(b * 3 + t) * 10 + next]).isZero();
                assertThat(logits[(b * 3 + t) * 10 + (next + 1) % 10]).isEqualTo(-1f);
            }
        }
        assertThat(f.get("hook_embed").dtype()).isEqualTo(org.isaerft.tensor.DType.F32);
        Map<String, String> meta = f.metadata();
        assertThat(meta).containsEntry("schema_version", "1").containsEntry("model", modelDir.toString())
                .containsEntry("hooks", "blocks.1.hook_resid_post,hook_embed,blocks.0.hook_resid_mid")
                .containsEntry("logits", "true").containsEntry("tokens", "[[1,2,3],[4,5,6]]")
                .containsEntry("model_dir", modelDir.toAbsolutePath().normalize().toString())
                .doesNotContainKey("model_repo");
        assertThat(Json.MAPPER.readTree(meta.get("versions")).get("djl").asText()).isNotBlank();
        assertThat(loaded.get().lastReached.name()).isEqualTo("ln_final.hook_normalized");
    }

    @Test
    void withoutLogitsTheForwardStopsAtTheLastRequestedHook() throws Exception {
        Path out = tmp.resolve("early.safetensors");
        Cli.Run r = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[9,8]]",
                "--hooks", "blocks.0.hook_resid_pre,hook_embed", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(loaded.get().lastReached.name()).isEqualTo("blocks.0.hook_resid_pre");
        SafeTensors.File f = SafeTensors.read(out);
        assertThat(f.tensors().keySet()).containsExactly("blocks.0.hook_resid_pre", "hook_embed");
        HostTensor pre = f.get("blocks.0.hook_resid_pre", 1, 2, 3);
        assertThat(pre.toFloatArray()).containsExactly(9, 18, 0, 8, 16, 1);
        assertThat(f.metadata()).containsEntry("logits", "false");
    }

    @Test
    void raggedRowsAndBadInputAreClearErrors() {
        Path out = tmp.resolve("x.safetensors");
        Cli.Run ragged = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1,2,3],[4,5]]",
                "--hooks", "hook_embed", "--out", out.toString());
        assertThat(ragged.code()).isEqualTo(1);
        assertThat(ragged.err()).contains("error: --tokens-json: rows must all have the same length: row 0 has 3 tokens, row 1 has 2");
        assertThat(loaded.get()).as("rejected before loading the model").isNull();

        Cli.Run notJson = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1,2,", "--hooks", "hook_embed",
                "--out", out.toString());
        assertThat(notJson.err()).contains("--tokens-json").contains("not valid JSON");
        Cli.Run flat = run("activations", "--model", modelDir.toString(), "--tokens-json", "[1,2]", "--hooks", "hook_embed",
                "--out", out.toString());
        assertThat(flat.err()).contains("row 0 is not an array: 1");

        Cli.Run vocab = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1,12]]", "--hooks", "hook_embed",
                "--out", out.toString());
        assertThat(vocab.err()).contains("token id 12 at row 0, position 1 is outside the vocabulary [0, 10)");

        Cli.Run hook = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1]]", "--hooks", "blocks.5.hook_resid_pre",
                "--out", out.toString());
        assertThat(hook.err()).contains("has no hook point blocks.5.hook_resid_pre").contains("blocks.1.hook_resid_post");
        Cli.Run badName = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1]]", "--hooks", "resid_pre",
                "--out", out.toString());
        assertThat(badName.err()).contains("unknown hook point 'resid_pre'");
        Cli.Run nothing = run("activations", "--model", modelDir.toString(), "--tokens-json", "[[1]]", "--out", out.toString());
        assertThat(nothing.err()).contains("nothing to write");
        assertThat(out).doesNotExist();

        Cli.Run unknown = run("generate", "--model", "no-such-model", "--prompt", "a");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown model 'no-such-model'").contains("stories260K").contains("gpt2");
    }

    @Test
    void everyCommandTakesHelp() {
        for (String cmd : new String[] {"generate", "activations"}) {
            Cli.Run r = run(cmd, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("--model=SPEC").contains("--device");
        }
        assertThat(run("activations", "--help").out()).contains("--tokens-json").contains("--hooks").contains("--logits").contains("--out");
        assertThat(run("generate", "--help").out()).contains("--max-new-tokens").contains("--temperature").contains("--top-k")
                .contains("--seed").contains("--json");
    }

    private static int[] ids(Cli.Run r) {
        assertThat(r.code()).as(r.err()).isZero();
        try {
            return Json.MAPPER.convertValue(Json.MAPPER.readTree(r.out()).get("output_ids"), int[].class);
        } catch (Exception e) {
            throw new AssertionError(r.out(), e);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
