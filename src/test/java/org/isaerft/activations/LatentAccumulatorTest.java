package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accumulators against brute force on synthetic activations, and shard merging against mining the whole. */
class LatentAccumulatorTest {
    static final int N = 12;
    static final int DEAD = 5;
    static final int TIED = 3;

    /** One synthetic sequence with its activations [length, N]. */
    record Seq(TokenSequence seq, float[] acts) {}

    static List<Seq> corpus(long seed, int docs, int seqLen) {
        Random r = new Random(seed);
        List<Seq> out = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            int docLen = 20 + r.nextInt(150);
            for (int off = 0; off < docLen; off += seqLen) {
                int len = Math.min(seqLen, docLen - off);
                int[] toks = new int[len];
                float[] acts = new float[len * N];
                for (int t = 0; t < len; t++) {
                    toks[t] = r.nextInt(50);
                    for (int j = 0; j < N; j++) {
                        double p = 0.02 + 0.05 * j;
                        if (j == DEAD || r.nextDouble() >= p) {
                            acts[t * N + j] = j % 4 == 1 && r.nextBoolean() ? -r.nextFloat() : 0f;
                        } else if (j == TIED) {
                            acts[t * N + j] = r.nextBoolean() ? 1f : 2f; // many exact ties: tie-break decides
                        } else {
                            acts[t * N + j] = (float) (-Math.log(1 - r.nextDouble()) * (1 + j)); // spans many bins
                        }
                    }
                }
                out.add(new Seq(new TokenSequence(d, off, toks), acts));
            }
        }
        return out;
    }

    static LatentAccumulator mine(List<Seq> seqs, MiningConfig cfg) {
        LatentAccumulator acc = new LatentAccumulator("test.src", N, cfg);
        for (Seq s : seqs) {
            acc.addSequence(s.seq.document(), s.seq.offset(), s.seq.tokens(), s.seq.length(), s.acts, 0);
        }
        return acc;
    }

    static String recordsJson(LatentAccumulator acc) {
        List<LatentRecord> recs = new ArrayList<>();
        for (int j = 0; j < acc.size(); j++) {
            recs.add(acc.record(j, id -> "t" + id, null));
        }
        return Json.write(recs);
    }

    /** A brute-force candidate: one per (sequence, chunk) where latent j fires. */
    record Cand(float peak, long doc, int seqOff, int start, long peakPos, long key, int chunkStart, float[] window) {}

    static List<Cand> candidates(List<Seq> seqs, MiningConfig cfg, int j, boolean active) {
        List<Cand> out = new ArrayList<>();
        int w = cfg.window();
        for (Seq s : seqs) {
            int len = s.seq.length();
            for (int c0 = 0; c0 < len; c0 += w) {
                int c1 = Math.min(len, c0 + w);
                int arg = -1;
                float best = 0f;
                for (int t = c0; t < c1; t++) {
                    if (s.acts[t * N + j] > best) {
                        best = s.acts[t * N + j];
                        arg = t;
                    }
                }
                long doc = s.seq.document();
                int off = s.seq.offset();
                if (active && arg >= 0) {
                    int wl = Math.min(w, len);
                    int start = Math.max(0, Math.min(arg - cfg.before(), len - wl));
                    float[] win = new float[wl];
                    boolean dominated = false;
                    for (int i = 0; i < wl; i++) {
                        win[i] = s.acts[(start + i) * N + j];
                        dominated |= start + i < arg ? win[i] >= best : win[i] > best;
                    }
                    if (dominated) {
                        continue; // not the first maximum of its own window
                    }
                    out.add(new Cand(best, doc, off, off + start, off + arg, Keys.hash(cfg.seed() ^ Keys.DECILE_SALT, doc, off + c0, j),
                            c0, win));
                } else if (!active && arg < 0) {
                    out.add(new Cand(0, doc, off, off + c0, off + c0, Keys.hash(cfg.seed() ^ Keys.RANDOM_SALT, doc, off + c0, 0), c0,
                            null));
                }
            }
        }
        return out;
    }

    static final Comparator<Cand> BY_PEAK = Comparator.comparing((Cand c) -> -c.peak).thenComparingLong(c -> c.doc)
            .thenComparingLong(c -> c.peakPos);
    static final Comparator<Cand> BY_KEY = Comparator.comparingLong((Cand c) -> c.key).thenComparingLong(c -> c.doc)
            .thenComparingInt(c -> c.start);

    @Test
    void statsAndExamplesMatchBruteForce() {
        MiningConfig cfg = MiningConfig.DEFAULT.withTopK(7).withWindow(8).withPerDecile(3).withRandom(5).withSeed(42);
        List<Seq> seqs = corpus(1, 40, 24);
        LatentAccumulator acc = mine(seqs, cfg);
        long totalTokens = seqs.stream().mapToLong(s -> s.seq.length()).sum();
        assertThat(acc.tokens()).isEqualTo(totalTokens);

        for (int j = 0; j < N; j++) {
            long nf = 0;
            float mx = 0;
            BigDecimal sum = BigDecimal.ZERO;
            long[] hist = new long[ActivationBins.COUNT];
            for (Seq s : seqs) {
                for (int t = 0; t < s.seq.length(); t++) {
                    float a = s.acts[t * N + j];
                    if (a > 0) {
                        nf++;
                        mx = Math.max(mx, a);
                        sum = sum.add(new BigDecimal(a));
                        // independent bin: the fixed edges, found by scanning
                        for (int b = 0; b < ActivationBins.COUNT; b++) {
                            if (a >= ActivationBins.lower(b) && a < ActivationBins.upper(b)) {
                                hist[b]++;
                            }
                        }
                    }
                }
            }
            LatentRecord rec = acc.record(j, id -> "t" + id, null);
            LatentStats st = rec.stats();
            assertThat(st.nFiring()).isEqualTo(nf);
            assertThat(st.nTokens()).isEqualTo(totalTokens);
            assertThat(st.maxActivation()).isEqualTo(mx);
            assertThat(rec.dead()).isEqualTo(nf == 0);
            if (nf > 0) {
                double mean = sum.divide(BigDecimal.valueOf(nf), MathContext.DECIMAL64).doubleValue();
                assertThat(st.meanActivation()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(st.histogramCounts()).hasSize(st.histogramEdges().length - 1);
                assertThat(java.util.Arrays.stream(st.histogramCounts()).sum()).isEqualTo(nf);
                int first = (int) java.util.stream.IntStream.range(0, hist.length).filter(b -> hist[b] > 0).findFirst().getAsInt();
                for (int i = 0; i < st.histogramCounts().length; i++) {
                    assertThat(st.histogramCounts()[i]).as("latent %d bin %d", j, first + i).isEqualTo(hist[first + i]);
                    assertThat(st.histogramEdges()[i]).isEqualTo(ActivationBins.lower(first + i));
                }
            } else {
                assertThat(st.histogramCounts()).isEmpty();
            }

            // top-k
            List<Cand> act = candidates(seqs, cfg, j, true);
            act.sort(BY_PEAK);
            List<Cand> expTop = act.subList(0, Math.min(cfg.topK(), act.size()));
            assertThat(rec.topExamples()).hasSize(expTop.size());
            for (int i = 0; i < expTop.size(); i++) {
                Example e = rec.topExamples().get(i);
                Cand c = expTop.get(i);
                assertThat(e.document()).isEqualTo(c.doc);
                assertThat(e.offset()).isEqualTo(c.start);
                assertThat(e.activations()).containsExactly(c.window);
                assertThat(e.maxActivation()).isEqualTo(c.peak);
                assertThat(e.offset() + e.argMax()).isEqualTo(c.peakPos);
                assertThat(e.split()).isEqualTo(cfg.split(c.doc, c.seqOff));
                assertThat(e.kind()).isEqualTo(Example.KIND_TOP);
                assertThat(e.tokens().get(0)).isEqualTo("t" + e.tokenIds()[0]);
            }

            // deciles: per fixed bin the perDecile smallest keys, bins below max/10 folded into one sample
            List<Cand> kept = new ArrayList<>();
            List<Cand> low = new ArrayList<>();
            for (int b = 0; b < ActivationBins.COUNT; b++) {
                List<Cand> inBin = new ArrayList<>();
                for (Cand c : act) {
                    if (c.peak >= ActivationBins.lower(b) && c.peak < ActivationBins.upper(b)) {
                        inBin.add(c);
                    }
                }
                if (ActivationBins.upper(b) * 10 <= mx) {
                    low.addAll(inBin);
                } else {
                    inBin.sort(BY_KEY);
                    kept.addAll(inBin.subList(0, Math.min(cfg.perDecile(), inBin.size())));
                }
            }
            low.sort(BY_KEY);
            kept.addAll(low.subList(0, Math.min(cfg.perDecile(), low.size())));
            List<Cand> expDec = new ArrayList<>();
            for (int d = 9; d >= 0; d--) {
                List<Cand> inD = new ArrayList<>();
                for (Cand c : kept) {
                    boolean isTop = expTop.stream().anyMatch(x -> x.doc == c.doc && x.peakPos == c.peakPos);
                    if (!isTop && Math.min(9, (int) Math.floor(10.0 * c.peak / mx)) == d) {
                        inD.add(c);
                    }
                }
                inD.sort(BY_KEY);
                expDec.addAll(inD.subList(0, Math.min(cfg.perDecile(), inD.size())));
            }
            assertThat(rec.decileExamples()).hasSize(expDec.size());
            for (int i = 0; i < expDec.size(); i++) {
                Example e = rec.decileExamples().get(i);
                assertThat(e.document()).isEqualTo(expDec.get(i).doc);
                assertThat(e.offset()).isEqualTo(expDec.get(i).start);
                assertThat(e.maxActivation()).isEqualTo(expDec.get(i).peak);
                // the decile label agrees with the activation range it claims
                assertThat(e.maxActivation()).isGreaterThan(0f);
                assertThat((double) e.maxActivation()).isGreaterThanOrEqualTo(e.decile() / 10.0 * mx - 1e-6);
                if (e.decile() < 9) {
                    assertThat((double) e.maxActivation()).isLessThan((e.decile() + 1) / 10.0 * mx);
                }
            }
            if (j != DEAD && j != TIED) {
                assertThat(rec.decileExamples()).as("latent %d has decile examples", j).isNotEmpty();
            }

            // random non-activating windows
            List<Cand> quiet = candidates(seqs, cfg, j, false);
            quiet.sort(BY_KEY);
            List<Cand> expRand = quiet.subList(0, Math.min(cfg.nRandom(), quiet.size()));
            assertThat(rec.randomExamples()).hasSize(expRand.size());
            for (int i = 0; i < expRand.size(); i++) {
                Example e = rec.randomExamples().get(i);
                assertThat(e.document()).isEqualTo(expRand.get(i).doc);
                assertThat(e.offset()).isEqualTo(expRand.get(i).start);
                for (float a : e.activations()) {
                    assertThat(a).isLessThanOrEqualTo(0f);
                }
            }
        }
    }

    @Test
    void deadLatentIsRecordedNotDropped() {
        LatentAccumulator acc = mine(corpus(2, 10, 16), MiningConfig.DEFAULT.withWindow(8));
        LatentRecord rec = acc.record(DEAD, id -> "t" + id, null);
        assertThat(rec.dead()).isTrue();
        assertThat(rec.stats().nFiring()).isZero();
        assertThat(rec.stats().maxActivation()).isZero();
        assertThat(rec.topExamples()).isEmpty();
        assertThat(rec.decileExamples()).isEmpty();
        assertThat(rec.randomExamples()).hasSize(20);
        assertThat(acc.record(0, id -> "t" + id, null).dead()).isFalse();
    }

    @Test
    void shardsMergeToExactlyTheWhole(@TempDir Path dir) {
        MiningConfig cfg = MiningConfig.DEFAULT.withTopK(5).withWindow(8).withPerDecile(2).withRandom(4).withSeed(7);
        for (long trial = 0; trial < 6; trial++) {
            List<Seq> seqs = corpus(100 + trial, 30, 8 + (int) trial * 5);
            Random r = new Random(trial);
            List<Seq> a = new ArrayList<>();
            List<Seq> b = new ArrayList<>();
            List<Seq> c = new ArrayList<>();
            for (Seq s : seqs) {
                int k = r.nextInt(3);
                (k == 0 ? a : k == 1 ? b : c).add(s);
            }
            String whole = recordsJson(mine(seqs, cfg));
            LatentAccumulator ma = mine(a, cfg);
            ma.merge(mine(b, cfg));
            ma.merge(mine(c, cfg));
            assertThat(recordsJson(ma)).as("trial %d", trial).isEqualTo(whole);

            // through the state files, merged in another order
            Path pa = dir.resolve("a" + trial + ".safetensors");
            Path pb = dir.resolve("b" + trial + ".safetensors");
            Path pc = dir.resolve("c" + trial + ".safetensors");
            mine(a, cfg).writeState(pa);
            mine(b, cfg).writeState(pb);
            mine(c, cfg).writeState(pc);
            LatentAccumulator mc = LatentAccumulator.readState(pc);
            mc.merge(LatentAccumulator.readState(pa));
            mc.merge(LatentAccumulator.readState(pb));
            assertThat(recordsJson(mc)).as("trial %d via files", trial).isEqualTo(whole);
            assertThat(mc.tokens()).isEqualTo(seqs.stream().mapToLong(s -> s.seq.length()).sum());
        }
    }

    @Test
    void explainAndScoreExamplesAreDisjoint() {
        MiningConfig cfg = MiningConfig.DEFAULT.withWindow(8).withSeed(3);
        LatentAccumulator acc = mine(corpus(5, 60, 24), cfg);
        int both = 0;
        for (int j = 0; j < N; j++) {
            LatentRecord rec = acc.record(j, id -> "t" + id, null);
            List<Example> ex = rec.examples(Example.SPLIT_EXPLAIN);
            List<Example> sc = rec.examples(Example.SPLIT_SCORE);
            assertThat(ex.size() + sc.size()).isEqualTo(rec.topExamples().size() + rec.decileExamples().size() + rec.randomExamples().size());
            for (Example e : ex) {
                for (Example s : sc) {
                    boolean overlap = e.document() == s.document() && e.offset() < s.offset() + s.activations().length
                            && s.offset() < e.offset() + e.activations().length;
                    assertThat(overlap).as("latent %d: explain window %d:%d overlaps score window %d:%d", j, e.document(), e.offset(),
                            s.document(), s.offset()).isFalse();
                }
            }
            if (!rec.dead() && !ex.isEmpty() && !sc.isEmpty()) {
                both++;
            }
            // no window is listed twice (top vs decile)
            List<String> ids = new ArrayList<>();
            for (Example e : rec.activating(Example.SPLIT_EXPLAIN)) {
                ids.add(e.document() + ":" + (e.offset() + e.argMax()));
            }
            for (Example e : rec.activating(Example.SPLIT_SCORE)) {
                ids.add(e.document() + ":" + (e.offset() + e.argMax()));
            }
            assertThat(ids).doesNotHaveDuplicates();
        }
        assertThat(both).isGreaterThan(5);
        // the split is deterministic and close to the configured fraction
        int score = 0;
        for (int i = 0; i < 10000; i++) {
            score += cfg.split(i, 64 * (i % 7)).equals(Example.SPLIT_SCORE) ? 1 : 0;
            assertThat(cfg.split(i, 3)).isEqualTo(cfg.split(i, 3));
        }
        assertThat(score).isBetween(4700, 5300);
        assertThat(MiningConfig.DEFAULT.withScoreFraction(0).split(1, 2)).isEqualTo(Example.SPLIT_EXPLAIN);
        assertThat(MiningConfig.DEFAULT.withScoreFraction(1).split(1, 2)).isEqualTo(Example.SPLIT_SCORE);
    }

    @Test
    void binsAreTheFixedEdges() {
        Random r = new Random(9);
        for (int i = 0; i < 20000; i++) {
            float a = (float) Math.exp(r.nextGaussian() * 6);
            int b = ActivationBins.of(a);
            assertThat((double) a).isGreaterThanOrEqualTo(ActivationBins.lower(b)).isLessThan(ActivationBins.upper(b));
        }
        assertThat(ActivationBins.of(1f)).isEqualTo(1 + 10 * 4);
        assertThat(ActivationBins.lower(ActivationBins.of(1.3f))).isEqualTo(1.25);
        assertThat(ActivationBins.of(Float.MIN_VALUE)).isZero();
        assertThat(ActivationBins.of(Float.POSITIVE_INFINITY)).isEqualTo(ActivationBins.COUNT - 1);
    }

    @Test
    void badInputIsRejectedWithContext() {
        LatentAccumulator acc = new LatentAccumulator("s", 2, MiningConfig.DEFAULT);
        assertThatThrownBy(() -> acc.addSequence(0, 0, new int[] {1, 2}, 2, new float[] {0, Float.NaN, 0, 0}, 0))
                .hasMessageContaining("s/1").hasMessageContaining("NaN");
        assertThatThrownBy(() -> acc.addSequence(0, 0, new int[] {1, 2}, 2, new float[3], 0)).hasMessageContaining("need 4 values");
        LatentAccumulator other = new LatentAccumulator("s", 2, MiningConfig.DEFAULT.withSeed(1));
        assertThatThrownBy(() -> acc.merge(other)).hasMessageContaining("configs must be equal");
    }
}
