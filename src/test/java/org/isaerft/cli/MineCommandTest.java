package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningOutput;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Cli;
import org.isaerft.testing.Shared;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `isaerft mine` end to end on gpt2-tiny + the SAELens fixture: shards + --merge equal one run; virtual latents; dashboard. */
class MineCommandTest {
    @Test
    void shardsMergedEqualOneRunAndFeedTheDashboard(@TempDir Path tmp) throws Exception {
        // a pre-tokenised corpus: one JSON array of ids per document
        Random r = new Random(3);
        StringBuilder corpus = new StringBuilder();
        for (int d = 0; d < 14; d++) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0, n = 5 + r.nextInt(50); i < n; i++) {
                ids.add(r.nextInt(999)); // 999 is BOS/EOS
            }
            corpus.append(Json.line(ids)).append('\n');
        }
        Path corpusFile = tmp.resolve("ids.jsonl");
        Files.writeString(corpusFile, corpus);
        Path dirs = tmp.resolve("dirs.safetensors");
        float[] v = new float[2 * 256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        SafeTensors.write(dirs, Map.of("latent.probe", HostTensor.f32(new long[] {2, 256}, v)), Map.of());
        String model = Shared.path("fixtures/gpt2-tiny").toString();
        String sae = Shared.path("fixtures/sae-tiny/saelens").toString();
        List<String> common = List.of("mine", "--model", model, "--sae", sae, "--corpus", corpusFile.toString(), "--tokens", "400",
                "--batch", "3", "--seq", "24", "--k", "5", "--window", "8", "--seed", "11", "--directions", dirs.toString(), "--quiet");
        List<String> whole = new ArrayList<>(common);
        whole.addAll(List.of("--out", tmp.resolve("whole").toString()));
        Cli.Run w = Cli.run(whole.toArray(String[]::new));
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(w.out()).contains("mined 400 tokens");
        for (int s = 0; s < 2; s++) {
            List<String> a = new ArrayList<>(common);
            a.addAll(List.of("--shard", s + "/2", "--out", tmp.resolve("shard" + s).toString()));
            Cli.Run rs = Cli.run(a.toArray(String[]::new));
            assertThat(rs.code()).as(rs.err()).isZero();
        }
        Cli.Run m = Cli.run("mine", "--merge", tmp.resolve("shard0").toString(), tmp.resolve("shard1").toString(), "--out",
                tmp.resolve("merged").toString());
        assertThat(m.code()).as(m.err()).isZero();
        List<LatentRecord> a = MiningOutput.readRecords(tmp.resolve("whole"));
        List<LatentRecord> b = MiningOutput.readRecords(tmp.resolve("merged"));
        assertThat(a).hasSize(256 + 2);
        assertThat(Json.write(b)).isEqualTo(Json.write(a));
        MiningIndex idx = MiningOutput.readIndex(tmp.resolve("merged"));
        assertThat(idx.tokens()).isEqualTo(400);
        assertThat(idx.sources()).extracting(MiningIndex.Source::source).containsExactly("blocks.1.hook_resid_pre", "directions/probe");
        assertThat(a.get(0).logitLens()).isNotNull();
        assertThat(a.get(0).logitLens().top()).hasSize(10);
        assertThat(Files.exists(tmp.resolve("whole/directions__probe__1.json"))).isTrue();

        Cli.Run bad = Cli.run("mine", "--merge", tmp.resolve("shard0").toString(), tmp.resolve("shard1").toString(), "--out",
                tmp.resolve("x").toString(), "--model", model);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("--merge reads everything from the shard directories");
        Cli.Run badShard = Cli.run("mine", "--model", model, "--sae", sae, "--corpus", corpusFile.toString(), "--tokens", "10", "--shard", "2/2",
                "--out", tmp.resolve("y").toString());
        assertThat(badShard.err()).contains("--shard must be I/N");

        Cli.Run d = Cli.run("dashboard", "--records", tmp.resolve("merged").toString(), "--out", tmp.resolve("html").toString());
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("258 latent pages");
    }
}
