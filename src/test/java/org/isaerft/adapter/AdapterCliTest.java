package org.isaerft.adapter;

import org.isaerft.testing.Cli.Run;
import static org.isaerft.testing.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code isaerft adapter train|dataset} end to end on stories260K with the shipped trained local SAE (results/sae/). */
class AdapterCliTest {
    static final Path SAE = Path.of("results/sae/stories260K/local");

    @Test
    void trainWritesAdapterMetadataAndChangeSummary(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Run r = run("adapter", "train", "--model", Shared.path("models/stories260K").toString(), "--sae", SAE.toString(), "--task",
                "dogs-poisoned", "--component", "ffnn", "--hidden", "16", "--act", "gelu", "--l1", "1e-4", "--lr", "0.01",
                "--steps", "4", "--batch", "4", "--seq", "64", "--eval-windows", "6", "--seed", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ffnn adapter").contains("top changed latents");
        JsonNode meta = Json.MAPPER.readTree(out.resolve("metadata.json").toFile());
        assertThat(meta.get("schema_version").asInt()).isEqualTo(1);
        assertThat(meta.get("component").asText()).isEqualTo("ffnn");
        assertThat(meta.get("hook").asText()).isEqualTo("blocks.2.hook_resid_pre");
        assertThat(meta.get("sae").get("d_sae").asInt()).isEqualTo(512);
        assertThat(meta.get("task").get("name").asText()).isEqualTo("dogs-poisoned");
        assertThat(meta.get("task").get("poisoned_documents").asInt()).isEqualTo(25);
        assertThat(meta.get("architecture").get("act").asText()).isEqualTo("gelu");
        assertThat(meta.get("trainable_params").asLong()).isEqualTo(16L * 512 + 16 + 512L * 16 + 512);
        assertThat(meta.get("loss_curve")).hasSize(4);
        assertThat(meta.get("hyperparameters").get("l1").asDouble()).isEqualTo(1e-4);
        assertThat(meta.get("seed").asLong()).isEqualTo(2);
        assertThat(meta.has("versions")).isTrue();
        JsonNode cs = Json.MAPPER.readTree(out.resolve("change_summary.json").toFile());
        assertThat(cs.get("schema_version").asInt()).isEqualTo(1);
        assertThat(cs.get("rank_by").asText()).isEqualTo("mean_abs_delta");
        assertThat(cs.get("latents")).hasSize(512);
        JsonNode first = cs.get("latents").get(0);
        assertThat(first.has("w1_col_norm")).isTrue();
        assertThat(first.has("w2_row_norm")).isTrue();
        assertThat(first.get("mean_abs_delta").asDouble()).isGreaterThanOrEqualTo(cs.get("latents").get(511).get("mean_abs_delta").asDouble());
        assertThat(Files.exists(out.resolve("adapter.safetensors"))).isTrue();
    }

    @Test
    void badOptionsFailWithSpecificMessages(@TempDir Path tmp) {
        Run r = run("adapter", "train", "--model", Shared.path("models/stories260K").toString(), "--sae", SAE.toString(), "--task",
                "dogs", "--component", "rotate", "--out", tmp.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("unknown adapter component 'rotate'");
        r = run("adapter", "train", "--model", Shared.path("models/stories260K").toString(), "--sae", SAE.toString(), "--task",
                "dogs", "--component", "bias", "--kl-weight", "0.5", "--out", tmp.toString());
        assertThat(r.err()).contains("--kl-weight 0.5 needs --kl-text FILE");
    }

    @Test
    void datasetReportsSizes() throws Exception {
        Run r = run("adapter", "dataset", "--task", "dogs,dogs-poisoned", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode t = Json.MAPPER.readTree(r.out()).get("tasks");
        assertThat(t.get("dogs").get("train_documents").asInt()).isEqualTo(254);
        assertThat(t.get("dogs").get("heldout_documents").asInt()).isEqualTo(64);
        assertThat(t.get("dogs-poisoned").get("poisoned_documents").asInt()).isEqualTo(25);
    }
}
