package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.testing.CumMeanLm;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.testing.TestWeights;
import org.isaerft.util.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The miner on a small deterministic model: mined values equal a direct forward pass. */
class MinerTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static CumMeanLm model;
    static TestSae sae;

    @BeforeAll
    static void setUp() {
        model = new CumMeanLm(ND.get(), 11);
        sae = CumMeanLm.sae(model.manager(), 12);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static List<TokenSequence> sequences(long seed, int docs, int seqLen) {
        Random r = new Random(seed);
        List<TokenSequence> out = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            int len = 5 + r.nextInt(60);
            for (int off = 0; off < len; off += seqLen) {
                int[] ids = new int[Math.min(seqLen, len - off)];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = r.nextInt(CumMeanLm.V);
                }
                out.add(new TokenSequence(d, off, ids));
            }
        }
        return out;
    }

    /** Latents of one sequence [T, dSae] from its own forward pass (batch 1, no padding). */
    static float[] directLatents(TokenSequence s) {
        try (NDScope scope = new NDScope()) {
            Map<HookPoint, NDArray> sink = new HashMap<>();
            NDArray toks = model.manager().create(s.tokens(), new Shape(1, s.length()));
            model.forward(toks, Hooks.builder().capture(sae.hookPoint(), sink).build());
            return sae.encode(sink.get(sae.hookPoint())).toFloatArray();
        }
    }

    @Test
    void minedValuesEqualDirectForward() {
        List<TokenSequence> seqs = sequences(1, 25, 24);
        MiningConfig cfg = MiningConfig.DEFAULT.withWindow(8).withTopK(5);
        Miner miner = Miner.builder(model, sae).config(cfg).batchSize(4).seqLen(24).build();
        Miner.Result res = miner.mine(seqs.iterator());
        LatentAccumulator acc = res.accumulators().get(0);
        assertThat(acc.source()).isEqualTo("blocks.0.hook_resid_pre");
        assertThat(res.tokens()).isEqualTo(seqs.stream().mapToLong(TokenSequence::length).sum());

        int n = CumMeanLm.D_SAE;
        float[] max = new float[n];
        long[] firing = new long[n];
        Map<String, Float> valueAt = new HashMap<>();
        for (TokenSequence s : seqs) {
            float[] lat = directLatents(s);
            for (int t = 0; t < s.length(); t++) {
                for (int j = 0; j < n; j++) {
                    float a = lat[t * n + j];
                    if (a > 0) {
                        firing[j]++;
                    }
                    max[j] = Math.max(max[j], a);
                    valueAt.put(j + ":" + s.document() + ":" + (s.offset() + t), a);
                }
            }
        }
        int alive = 0;
        for (int j = 0; j < n; j++) {
            LatentRecord rec = acc.record(j, id -> model.tokenizer().tokenString(id), null);
            assertThat(rec.stats().maxActivation()).as("max of latent %d", j).isCloseTo(max[j], within(1e-5));
            assertThat(rec.dead()).isEqualTo(firing[j] == 0);
            if (!rec.dead()) {
                alive++;
                Example top = rec.topExamples().get(0);
                long peakPos = top.offset() + top.argMax();
                assertThat((double) top.maxActivation()).isCloseTo(max[j], within(1e-5));
                assertThat((double) top.activations()[top.argMax()])
                        .isCloseTo(valueAt.get(j + ":" + top.document() + ":" + peakPos), within(1e-5));
                // every token of every window carries its own activation
                for (Example e : rec.topExamples()) {
                    for (int i = 0; i < e.activations().length; i++) {
                        assertThat((double) e.activations()[i]).isCloseTo(valueAt.get(j + ":" + e.document() + ":" + (e.offset() + i)),
                                within(1e-5));
                    }
                }
            }
        }
        assertThat(alive).isGreaterThan(8);
        assertThat(acc.dead(CumMeanLm.D_SAE - 1)).isTrue();
    }

    @Test
    void prefixTokensAreModelInputOnly() {
        int bos = CumMeanLm.V - 1;
        List<TokenSequence> plain = sequences(6, 12, 20);
        List<TokenSequence> seqs = new ArrayList<>();
        for (TokenSequence s : plain) {
            int[] t = new int[s.length() + 1];
            t[0] = bos;
            for (int i = 0; i < s.length(); i++) {
                t[i + 1] = s.tokens()[i] % (CumMeanLm.V - 1); // the body never contains the BOS id
            }
            seqs.add(new TokenSequence(s.document(), s.offset(), t, 1));
        }
        Miner miner = Miner.builder(model, sae).config(MiningConfig.DEFAULT.withWindow(8).withTopK(4)).batchSize(3).seqLen(21).build();
        Miner.Result res = miner.mine(seqs.iterator());
        assertThat(res.tokens()).isEqualTo(plain.stream().mapToLong(TokenSequence::length).sum());
        LatentAccumulator acc = res.accumulators().get(0);
        int n = CumMeanLm.D_SAE;
        float[] max = new float[n];
        Map<String, Float> at = new HashMap<>();
        for (TokenSequence s : seqs) {
            float[] lat = directLatents(s);
            for (int t = 1; t < s.length(); t++) {
                for (int j = 0; j < n; j++) {
                    max[j] = Math.max(max[j], lat[t * n + j]);
                    at.put(j + ":" + s.document() + ":" + (s.offset() + t - 1), lat[t * n + j]);
                }
            }
        }
        for (int j = 0; j < n; j++) {
            LatentRecord rec = acc.record(j, id -> "t" + id, null);
            assertThat(rec.stats().maxActivation()).isCloseTo(max[j], within(1e-5));
            for (Example e : rec.examples(Example.SPLIT_EXPLAIN)) {
                assertThat(e.tokenIds()).doesNotContain(bos);
                for (int i = 0; i < e.activations().length; i++) {
                    assertThat((double) e.activations()[i]).isCloseTo(at.get(j + ":" + e.document() + ":" + (e.offset() + i)), within(1e-5));
                }
            }
        }
    }

    @Test
    void defaultUnembedIsFinalNormThenUnembedding() {
        int rows = 70; // more than the context length (64): exercises the chunking
        float[] v = TestWeights.gauss(new SplittableRandom(3), rows * CumMeanLm.D, 1.0, 0);
        try (NDScope scope = new NDScope()) {
            float[] got = model.unembed(model.manager().create(v, new Shape(rows, CumMeanLm.D))).toFloatArray();
            assertThat(got).hasSize(rows * CumMeanLm.V);
            for (int i = 0; i < rows; i++) {
                float[] exp = model.unembedHost(java.util.Arrays.copyOfRange(v, i * CumMeanLm.D, (i + 1) * CumMeanLm.D));
                for (int k = 0; k < CumMeanLm.V; k++) {
                    assertThat(got[i * CumMeanLm.V + k]).isCloseTo(exp[k], within(1e-4f));
                }
            }
        }
    }

    @Test
    void logitLensAndVirtualLatentsAndOutputDirectory(@TempDir Path dir) throws Exception {
        List<TokenSequence> seqs = sequences(2, 20, 16);
        MiningConfig cfg = MiningConfig.DEFAULT.withWindow(8).withTopK(4).withSeed(5);
        float[] dirs = TestWeights.gauss(new SplittableRandom(8), 2 * CumMeanLm.D_SAE, 1.0, 0);
        try (NDManager m = model.manager().newSubManager()) {
            NDArray d = m.create(dirs, new Shape(2, CumMeanLm.D_SAE));
            Miner miner = Miner.builder(model, sae).config(cfg).batchSize(3).seqLen(16)
                    .add(LatentFunction.latentProjection("probe/latent", d, sae)).build();
            Miner.Result res = miner.mine(seqs.iterator());
            List<LogitLens[]> lenses = miner.logitLenses(3);
            assertThat(res.accumulators()).hasSize(2);

            // logit lens of latent 0 = top tokens of ln_final(W_dec[0]) @ E^T
            float[] row = java.util.Arrays.copyOfRange(sae.wDec.toFloatArray(), 0, CumMeanLm.D);
            float[] logits = model.unembedHost(row);
            Integer[] order = new Integer[CumMeanLm.V];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            LogitLens l0 = lenses.get(0)[0];
            assertThat(l0.top()).hasSize(3);
            assertThat(l0.top().get(0).tokenId()).isEqualTo(order[0]);
            assertThat(l0.top().get(1).tokenId()).isEqualTo(order[1]);
            assertThat(l0.bottom().get(0).tokenId()).isEqualTo(order[CumMeanLm.V - 1]);
            assertThat(l0.top().get(0).value()).isCloseTo(logits[order[0]], within(1e-4));
            assertThat(lenses.get(1)).hasSize(2).doesNotContainNull();

            // the virtual latent equals latents · direction, computed directly
            LatentAccumulator virt = res.accumulators().get(1);
            float vmax = 0;
            for (TokenSequence s : seqs) {
                float[] lat = directLatents(s);
                for (int t = 0; t < s.length(); t++) {
                    double p = 0;
                    for (int j = 0; j < CumMeanLm.D_SAE; j++) {
                        p += lat[t * CumMeanLm.D_SAE + j] * dirs[CumMeanLm.D_SAE + j];
                    }
                    vmax = (float) Math.max(vmax, p);
                }
            }
            assertThat((double) virt.max(1)).isCloseTo(vmax, within(1e-4));

            var tokenStrings = MiningOutput.tokenStrings(res.accumulators(), id -> model.tokenizer().tokenString(id));
            List<MiningOutput.SourceState> states = List.of(new MiningOutput.SourceState(res.accumulators().get(0), lenses.get(0)),
                    new MiningOutput.SourceState(res.accumulators().get(1), lenses.get(1)));
            MiningIndex idx = MiningOutput.write(dir, states, tokenStrings,
                    new MiningOutput.Provenance("fake", "fake-sae", "synthetic", List.of(), res.tokensPerSecond()));
            assertThat(idx.latents()).hasSize(CumMeanLm.D_SAE + 2);
            assertThat(idx.dead()).contains(new LatentId("blocks.0.hook_resid_pre", CumMeanLm.D_SAE - 1));
            Path recFile = dir.resolve("blocks.0.hook_resid_pre__0.json");
            assertThat(recFile).exists();
            assertThat(dir.resolve("probe__latent__1.json")).exists();
            LatentRecord back = Json.readFile(recFile, LatentRecord.class);
            assertThat(Json.write(back)).isEqualTo(Json.write(res.accumulators().get(0).record(0, id -> model.tokenizer().tokenString(id),
                    lenses.get(0)[0])));
            String raw = Files.readString(recFile);
            assertThat(raw).contains("\"schema_version\" : 1").contains("\"top_examples\"").contains("\"logit_lens\"");
            MiningIndex readBack = MiningOutput.readIndex(dir);
            assertThat(readBack.splitCounts().explain() + readBack.splitCounts().score()).isPositive();
            assertThat(readBack.config()).isEqualTo(cfg);
        }
    }

    @Test
    void shardDirectoriesMergeToTheWholeRun(@TempDir Path dir) {
        List<TokenSequence> seqs = sequences(4, 30, 16);
        MiningConfig cfg = MiningConfig.DEFAULT.withWindow(8).withTopK(3).withPerDecile(2).withRandom(3);
        Miner miner = Miner.builder(model, sae).config(cfg).batchSize(5).seqLen(16).build();
        LogitLens[] lens = miner.logitLenses(2).get(0);
        List<Path> shards = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            final int shard = k;
            List<TokenSequence> part = new ArrayList<>();
            for (int i = 0; i < seqs.size(); i++) {
                if (i % 2 == shard) {
                    part.add(seqs.get(i));
                }
            }
            Miner.Result r = miner.mine(part.iterator());
            Path p = dir.resolve("shard" + k);
            MiningOutput.write(p, List.of(new MiningOutput.SourceState(r.accumulators().get(0), lens)),
                    MiningOutput.tokenStrings(r.accumulators(), id -> model.tokenizer().tokenString(id)),
                    new MiningOutput.Provenance("fake", "fake-sae", "synthetic", List.of(), 0));
            shards.add(p);
        }
        Miner.Result whole = miner.mine(seqs.iterator());
        Path wholeDir = dir.resolve("whole");
        MiningOutput.write(wholeDir, List.of(new MiningOutput.SourceState(whole.accumulators().get(0), lens)),
                MiningOutput.tokenStrings(whole.accumulators(), id -> model.tokenizer().tokenString(id)),
                new MiningOutput.Provenance("fake", "fake-sae", "synthetic", List.of(), 0));
        MiningOutput.merge(shards, dir.resolve("merged"));
        List<LatentRecord> a = MiningOutput.readRecords(wholeDir);
        List<LatentRecord> b = MiningOutput.readRecords(dir.resolve("merged"));
        assertThat(Json.write(b)).isEqualTo(Json.write(a));
        assertThat(MiningOutput.readIndex(dir.resolve("merged")).shards()).hasSize(2);
    }
}
