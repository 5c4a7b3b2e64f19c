package org.isaerft.sae.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.data.Offset;
import org.isaerft.data.Batch;
import org.isaerft.data.Corpus;
import org.isaerft.data.DocumentSplit;
import org.isaerft.data.Window;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the real stories260K model and TinyStories text. */
class SaeTrainerTest {
    static final HookPoint HOOK = HookPoint.residPre(2);
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static LanguageModel model;

    @BeforeAll
    static void load() {
        model = ModelFamilies.load(Shared.path("models/stories260K"), ND.get());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static TrainData data(int seq, long seed) {
        Path text = Shared.path("corpora/tinystories/tinystories-sample.txt");
        Corpus c = Corpus.builder(text).tokenizer(model.tokenizer()).seqLen(seq).batchSize(1)
                .split(new DocumentSplit(0.1, 0), DocumentSplit.Part.TRAIN).build();
        List<Supplier<Iterator<Window>>> src = List.of(c::windows);
        return new TrainData(src, 64, seed);
    }

    static SaeTrainConfig.Builder cfg(TrainKind kind, int steps) {
        return SaeTrainConfig.builder(kind, HOOK, 256).l1(0.5).batch(4).seq(32).tokens((long) steps * 4 * 32).warmupSteps(2)
                .lr(2e-3).seed(11).logEvery(1000).checkpointEvery(0).deadWindowTokens(10_000)
                .downstreamHooks(kind == TrainKind.E2E_DOWNSTREAM ? List.of(HookPoint.residPre(3), HookPoint.residPre(4)) : List.of());
    }

    static float[] all(Sae sae) {
        List<Float> out = new ArrayList<>();
        for (NDArray p : sae.parameters().values()) {
            for (float f : p.toFloatArray()) {
                out.add(f);
            }
        }
        float[] r = new float[out.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = out.get(i);
        }
        return r;
    }

    double lossOn(SaeTrainer t, Batch b) {
        try (NDScope s = new NDScope(); NDManager m = model.manager().newSubManager()) {
            return t.losses(b.toNDArray(m)).total().getFloat();
        }
    }

    @Test
    void trainerLossesMatchIndependentComputations() {
        Batch b = data(32, 21).next(3);
        // local: MSE + λ·Σc/(tokens·d_in) for fixed (seeded) weights, computed on the host
        try (SaeTrainer t = SaeTrainer.start(model, cfg(TrainKind.LOCAL, 2).l1(0.7).build(), "l", "m");
             NDScope s = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = b.toNDArray(m);
            double got = t.losses(tokens).total().getFloat();
            Map<HookPoint, NDArray> sink = new HashMap<>();
            model.forward(tokens, Hooks.builder().capture(HOOK, sink).stopAt(HOOK).build());
            float[] x = sink.get(HOOK).toFloatArray();
            float[] wEnc = t.sae().parameter("W_enc").toFloatArray();
            float[] bEnc = t.sae().parameter("b_enc").toFloatArray();
            float[] wDec = t.sae().parameter("W_dec").toFloatArray();
            float[] bDec = t.sae().parameter("b_dec").toFloatArray();
            int d = 64, n = 256, tok = x.length / d;
            double se = 0, l1 = 0;
            for (int i = 0; i < tok; i++) {
                double[] c = new double[n];
                for (int j = 0; j < n; j++) {
                    double pre = bEnc[j];
                    for (int k = 0; k < d; k++) {
                        pre += x[i * d + k] * (double) wEnc[k * n + j];
                    }
                    c[j] = Math.max(0, pre);
                    l1 += c[j];
                }
                for (int k = 0; k < d; k++) {
                    double xhat = bDec[k];
                    for (int j = 0; j < n; j++) {
                        double norm = 0;
                        if (c[j] != 0) {
                            for (int q = 0; q < d; q++) {
                                norm += wDec[j * d + q] * (double) wDec[j * d + q];
                            }
                            xhat += c[j] * wDec[j * d + k] / Math.sqrt(norm);
                        }
                    }
                    se += (xhat - x[i * d + k]) * (xhat - x[i * d + k]);
                }
            }
            double expected = se / (tok * d) + 0.7 * l1 / tok / d;
            assertThat(got).isCloseTo(expected, Offset.offset(1e-5 * Math.max(1, expected)));
        }
        // e2e+downstream: KL from independently computed clean and spliced logits, MSE of later resid_pre's
        SaeTrainConfig dc = cfg(TrainKind.E2E_DOWNSTREAM, 2).l1(0.3).build();
        try (SaeTrainer t = SaeTrainer.start(model, dc, "d", "m"); NDScope s = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = b.toNDArray(m);
            SaeTrainer.LossParts parts = t.losses(tokens);
            Map<HookPoint, NDArray> clean = new HashMap<>();
            Map<HookPoint, NDArray> spliced = new HashMap<>();
            List<HookPoint> later = List.of(HookPoint.residPre(3), HookPoint.residPre(4));
            float[] lc = model.forward(tokens, Hooks.capture(later, clean)).toFloatArray();
            Hooks h = org.isaerft.sae.SaeSplice.replace(t.sae()).and(Hooks.capture(later, spliced));
            float[] ls = model.forward(tokens, h).toFloatArray();
            int v = 512, tok = lc.length / v;
            double kl = 0;
            for (int i = 0; i < tok; i++) {
                double[] a = SaeLossesTest.logSoftmax(lc, i * v, v);
                double[] c = SaeLossesTest.logSoftmax(ls, i * v, v);
                for (int j = 0; j < v; j++) {
                    kl += Math.exp(a[j]) * (a[j] - c[j]);
                }
            }
            kl /= tok;
            double ds = 0;
            for (HookPoint p : later) {
                float[] a = clean.get(p).toFloatArray();
                float[] c = spliced.get(p).toFloatArray();
                double se = 0;
                for (int i = 0; i < a.length; i++) {
                    se += (a[i] - c[i]) * (double) (a[i] - c[i]);
                }
                ds += se / a.length;
            }
            assertThat(kl).isGreaterThan(0.01);
            assertThat((double) parts.kl().getFloat()).isCloseTo(kl, Offset.offset(1e-4 * Math.max(1, kl)));
            assertThat((double) parts.downstream().getFloat()).isCloseTo(ds, Offset.offset(1e-4 * Math.max(1, ds)));
            double sp = parts.sparsity().getFloat();
            double expected = 0.5 * kl + 2.5 / 2 * ds + 0.3 * sp;
            assertThat((double) parts.total().getFloat()).isCloseTo(expected, Offset.offset(1e-4 * Math.max(1, expected)));
        }
    }

    @Test
    void shortE2eRunReducesItsLoss() {
        SaeTrainConfig c = cfg(TrainKind.E2E, 20).build();
        try (SaeTrainer t = SaeTrainer.start(model, c, "e2e-test", "stories260K")) {
            Batch probe = data(32, 99).next(8);
            double before = lossOn(t, probe);
            t.run(data(32, 11), null, null, -1);
            double after = lossOn(t, probe);
            assertThat(after).isFinite().isLessThan(0.7 * before);
        }
    }

    @Test
    void localAndDownstreamRunsReduceTheirLoss() {
        for (TrainKind k : List.of(TrainKind.LOCAL, TrainKind.E2E_DOWNSTREAM)) {
            try (SaeTrainer t = SaeTrainer.start(model, cfg(k, 16).build(), k + "-test", "stories260K")) {
                Batch probe = data(32, 99).next(8);
                double before = lossOn(t, probe);
                t.run(data(32, 11), null, null, -1);
                assertThat(lossOn(t, probe)).as(k.label()).isFinite().isLessThan(0.8 * before);
            }
        }
    }

    @Test
    void decoderRowsHaveUnitNormAfterASteps() {
        try (SaeTrainer t = SaeTrainer.start(model, cfg(TrainKind.E2E, 5).lr(5e-2).build(), "norm-test", "stories260K")) {
            TrainData d = data(32, 3);
            for (int i = 0; i < 2; i++) {
                t.step(d.next(4));
                float[] norms = t.sae().parameter("W_dec").norm(new int[] {1}).toFloatArray();
                assertThat(norms).hasSize(256);
                for (float n : norms) {
                    assertThat(n).isCloseTo(1f, Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void forcedGcBetweenForwardAndBackwardChangesNothing() {
        for (TrainKind k : TrainKind.values()) {
            List<SaeTrainer.StepStats> plain = new ArrayList<>();
            List<SaeTrainer.StepStats> gc = new ArrayList<>();
            float[] wPlain;
            float[] wGc;
            try (SaeTrainer t = SaeTrainer.start(model, cfg(k, 3).build(), "a", "m")) {
                TrainData d = data(32, 5);
                for (int i = 0; i < 3; i++) {
                    plain.add(t.step(d.next(4)));
                }
                wPlain = all(t.sae());
            }
            try (SaeTrainer t = SaeTrainer.start(model, cfg(k, 3).build(), "b", "m")) {
                t.gcBeforeBackward(true);
                TrainData d = data(32, 5);
                for (int i = 0; i < 3; i++) {
                    gc.add(t.step(d.next(4)));
                }
                wGc = all(t.sae());
            }
            for (int i = 0; i < 3; i++) {
                assertThat(gc.get(i).loss()).as(k + " step " + i).isFinite().isEqualTo(plain.get(i).loss());
                assertThat(gc.get(i).gradNorm()).isFinite().isEqualTo(plain.get(i).gradNorm());
            }
            assertThat(wGc).containsExactly(wPlain);
        }
    }

    @Test
    void resumingFromACheckpointMatchesAnUninterruptedRun(@TempDir Path tmp) {
        for (TrainKind k : List.of(TrainKind.E2E, TrainKind.LOCAL)) {
            SaeTrainConfig c = cfg(k, 6).checkpointEvery(3).build();
            float[] straight;
            TrainResult rStraight;
            try (SaeTrainer t = SaeTrainer.start(model, c, "s", "m")) {
                rStraight = t.run(data(32, 11), null, null, -1);
                straight = all(t.sae());
            }
            Path ckpt = tmp.resolve(k.label() + "/checkpoint.safetensors");
            try (SaeTrainer t = SaeTrainer.start(model, c, "s", "m")) {
                t.run(data(32, 11), ckpt, null, 4); // "interrupted" after 4 steps (checkpoints at 3 and 4)
                assertThat(t.step()).isEqualTo(4);
            }
            float[] resumed;
            TrainResult rResumed;
            try (SaeTrainer t = SaeTrainer.resume(model, c, "s", "m", ckpt)) {
                assertThat(t.step()).isEqualTo(4);
                rResumed = t.run(data(32, 11), ckpt, null, -1);
                resumed = all(t.sae());
            }
            assertThat(resumed).as(k.label()).containsExactly(straight);
            assertThat(rResumed.loss()).isEqualTo(rStraight.loss());
            assertThat(rResumed.l0()).isEqualTo(rStraight.l0());
            assertThat(rResumed.dead()).isEqualTo(rStraight.dead());
            assertThat(rResumed.tokens()).isEqualTo(rStraight.tokens());
            // a different configuration is refused, naming the field
            SaeTrainConfig other = cfg(k, 6).l1(0.7).build();
            assertThatThrownBy(() -> SaeTrainer.resume(model, other, "s", "m", ckpt)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("l1 was 0.5, now 0.7");
        }
    }

    @Test
    void savedSaeReloadsThroughTheSaeLensLoaderWithTheSameLatents(@TempDir Path tmp) {
        try (SaeTrainer t = SaeTrainer.start(model, cfg(TrainKind.E2E, 4).build(), "saved", "stories260K")) {
            t.run(data(32, 11), null, null, -1);
            Path out = tmp.resolve("sae");
            SaeTrainOutput.save(t, out, Map.of("note", "test"), "isaerft sae train (test)");
            try (Sae loaded = SaeFormats.load(out, SaeLoadOptions.defaults(), ND.get()); NDScope s = new NDScope();
                 NDManager m = model.manager().newSubManager()) {
                assertThat(loaded.hookPoint()).isEqualTo(HOOK);
                assertThat(loaded.dSae()).isEqualTo(256);
                Map<HookPoint, NDArray> sink = new HashMap<>();
                model.forward(data(32, 7).next(2).toNDArray(m), Hooks.builder().capture(HOOK, sink).stopAt(HOOK).build());
                NDArray x = sink.get(HOOK);
                float[] a = t.sae().encode(x).toFloatArray();
                float[] b = loaded.encode(x).toFloatArray();
                assertThat(b).containsExactly(a);
                float[] ra = t.sae().reconstruct(x).toFloatArray();
                float[] rb = loaded.reconstruct(x).toFloatArray();
                for (int i = 0; i < ra.length; i++) {
                    assertThat(rb[i]).isCloseTo(ra[i], Offset.offset(1e-5f));
                }
            }
        }
    }
}
