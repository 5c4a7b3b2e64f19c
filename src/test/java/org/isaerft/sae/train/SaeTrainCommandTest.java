package org.isaerft.sae.train;

import org.isaerft.testing.Cli.Run;
import static org.isaerft.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code isaerft sae train} end to end on stories260K: interrupt, resume, save, metadata, evaluation. */
class SaeTrainCommandTest {
    @Test
    void trainInterruptResumeAndSave(@TempDir Path tmp) throws Exception {
        Path corpus = Shared.path("corpora/tinystories/tinystories-sample.txt");
        Path out = tmp.resolve("sae-e2e");
        String[] common = {"sae", "train", "--model", Shared.path("models/stories260K").toString(), "--hook", "blocks.2.hook_resid_pre",
            "--kind", "e2e", "--expansion", "2", "--l1", "2", "--corpus", corpus.toString(), "--tokens", "512", "--batch", "2",
            "--seq", "32", "--warmup", "2", "--seed", "3", "--checkpoint-every", "2", "--out", out.toString(),
            "--eval-corpus", corpus.toString(), "--eval-tokens", "256"};
        Run first = run(concat(common, "--stop-after", "4"));
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("stopped after step 4 of 8");
        Path ckpt = out.resolve("checkpoint.safetensors");
        assertThat(ckpt).exists();
        assertThat(SafeTensors.read(ckpt).metadata().get("state")).contains("\"step\":4");

        Run again = run(common);
        assertThat(again.code()).isNotZero();
        assertThat(again.err()).contains("checkpoint.safetensors exists: pass --resume");

        Run resumed = run(concat(common, "--resume"));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("CE increase").contains("saved " + out);
        assertThat(ckpt).doesNotExist();

        JsonNode meta = Json.MAPPER.readTree(out.resolve("metadata.json").toFile());
        assertThat(meta.get("schema_version").asInt()).isEqualTo(1);
        assertThat(meta.get("type").asText()).isEqualTo("sae_training");
        assertThat(meta.get("kind").asText()).isEqualTo("e2e");
        assertThat(meta.get("l1").asDouble()).isEqualTo(2.0);
        assertThat(meta.get("tokens").asLong()).isEqualTo(512);
        assertThat(meta.get("d_sae").asInt()).isEqualTo(128);
        assertThat(meta.get("command").asText()).startsWith("scripts/isaerft sae train --model ").doesNotContain("--resume")
                .doesNotContain("--stop-after");
        assertThat(meta.get("eval").get("ce_increase").isNumber()).isTrue();
        assertThat(meta.get("metrics").get("l0").asDouble()).isPositive();
        assertThat(meta.get("versions").size()).isPositive();
        try (NDManager m = NDManager.newBaseManager(); Sae sae = SaeFormats.load(out, SaeLoadOptions.defaults(), m)) {
            assertThat(sae.dSae()).isEqualTo(128);
            assertThat(sae.config().applyBDecToInput()).isFalse();
        }
        assertThat(Files.size(out.resolve("sae_weights.safetensors"))).isLessThan(1 << 20);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
