package org.isaerft.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fallback SAE trainer recovers a planted sparse code and writes SAELens files. */
class QuickSaeTest {
    static float[][] sparseData(int n, int d, int atoms, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] dict = new float[atoms][d];
        for (float[] a : dict) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                a[j] = (float) (r.nextDouble() * 2 - 1);
                norm += a[j] * a[j];
            }
            for (int j = 0; j < d; j++) {
                a[j] /= (float) Math.sqrt(norm);
            }
        }
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int k = 0; k < 2; k++) { // two active atoms per sample
                float[] a = dict[r.nextInt(atoms)];
                double coef = 1 + 2 * r.nextDouble();
                for (int j = 0; j < d; j++) {
                    row[j] += (float) (coef * a[j]);
                }
            }
        }
        return x;
    }

    @Test
    void learnsASparseCodeAndWritesSaelensFiles(@TempDir Path dir) throws Exception {
        float[][] train = sparseData(4000, 16, 24, 1);
        float[][] eval = sparseData(500, 16, 24, 1); // same dictionary (same seed), fresh-enough samples
        try (NDManager root = NDManager.newBaseManager()) {
            var o = new QuickSae.Options(HookPoint.residPre(1), 48, 0.02, 1e-2, 200, 256, 3, "synthetic");
            QuickSae.Metrics m = QuickSae.train(root, train, eval, o, dir, new PrintStream(new ByteArrayOutputStream()));
            assertThat(m.explainedVariance()).isGreaterThan(0.8);
            assertThat(m.l0()).isLessThan(24); // sparser than half the dictionary
        }
        var f = SafeTensors.read(dir.resolve("sae_weights.safetensors"));
        f.get("W_enc", 16, 48);
        f.get("W_dec", 48, 16);
        f.get("b_enc", 48);
        f.get("b_dec", 16);
        var cfg = Json.MAPPER.readTree(dir.resolve("cfg.json").toFile());
        assertThat(cfg.get("hook_name").asText()).isEqualTo("blocks.1.hook_resid_pre");
        assertThat(cfg.get("architecture").asText()).isEqualTo("standard");
        assertThat(cfg.get("d_sae").asInt()).isEqualTo(48);
    }
}
