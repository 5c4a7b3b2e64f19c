package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isaerft.data.Batch;
import org.isaerft.data.Corpus;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestCorpus;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Splicing fixture SAEs into gpt2-tiny, and the evaluator's numbers against independent arithmetic. */
class SaeSpliceTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static LanguageModel model;
    static Sae apollo;
    static Sae saelens;
    static NDArray tokens;
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        model = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), ND.get());
        apollo = SaeFormats.load(Shared.path("fixtures/sae-tiny/apollo-e2e"), SaeLoadOptions.defaults(), ND.get());
        saelens = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), ND.get());
        HostTensor t = SafeTensors.read(Shared.path("fixtures/gpt2-tiny/expected.safetensors")).get("tokens");
        tokens = t.toNDArray(ND.get());                                               // [2, 16]
    }

    @AfterAll
    static void close() {
        apollo.close();
        saelens.close();
        model.close();
    }

    static float maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void errorTermLeavesLogitsUnchanged() {
        NDArray clean = model.forward(tokens);
        for (Sae sae : List.of(apollo, saelens)) {
            NDArray spliced = model.forward(tokens, SaeSplice.withErrorTerm(sae));
            assertThat(maxDiff(spliced, clean)).as(sae.id()).isLessThanOrEqualTo(1e-6f);
            NDArray identity = model.forward(tokens, SaeSplice.withLatentEdit(sae, c -> c));
            assertThat(maxDiff(identity, clean)).as(sae.id() + " identity edit").isLessThanOrEqualTo(1e-6f);
        }
    }

    @Test
    void latentEditWithErrorTermChangesOnlyByTheEditedReconstruction() {
        NDArray two = ND.get().full(new Shape(), 2f, DataType.FLOAT32);
        Map<HookPoint, NDArray> seen = new LinkedHashMap<>();
        Hooks h = SaeSplice.withLatentEdit(apollo, c -> c.mul(two)).and(Hooks.capture(List.of(apollo.hookPoint()), seen));
        NDArray edited = model.forward(tokens, h);
        assertThat(maxDiff(edited, model.forward(tokens))).isGreaterThan(1e-4f);
        // x' − x must equal decode(2c) − decode(c) (toRaw is the identity for Apollo)
        Map<HookPoint, NDArray> clean = new LinkedHashMap<>();
        model.forward(tokens, Hooks.capture(List.of(apollo.hookPoint()), clean));
        NDArray x = clean.get(apollo.hookPoint());
        NDArray c = apollo.encode(x);
        NDArray delta = apollo.decode(c.mul(two)).sub(apollo.decode(c));
        assertThat(maxDiff(seen.get(apollo.hookPoint()).sub(x), delta)).isLessThan(1e-5f);
    }

    @Test
    void spliceWithoutErrorTermReplacesTheActivationByTheReconstruction() {
        Map<HookPoint, NDArray> clean = new LinkedHashMap<>();
        NDArray cleanLogits = model.forward(tokens, Hooks.capture(List.of(saelens.hookPoint()), clean));
        Map<HookPoint, NDArray> after = new LinkedHashMap<>();
        NDArray spliced = model.forward(tokens, SaeSplice.replace(saelens).and(Hooks.capture(List.of(saelens.hookPoint()), after)));
        assertThat(maxDiff(spliced, cleanLogits)).isGreaterThan(1e-4f);
        NDArray expected = saelens.toRaw(saelens.decode(saelens.encode(clean.get(saelens.hookPoint()))));
        assertThat(maxDiff(after.get(saelens.hookPoint()), expected)).isLessThan(1e-6f);
    }

    @Test
    void gradientsFlowIntoALatentEditSurvivingAGc() {
        NDArray s = ND.get().zeros(new Shape(apollo.dSae()));                        // (1 + s)·c scaling, s = 0 at init
        s.setRequiresGradient(true);
        NDArray one = ND.get().full(new Shape(), 1f, DataType.FLOAT32);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.forward(tokens, SaeSplice.withLatentEdit(apollo, c -> c.mul(s.add(one))));
            NDArray loss = LanguageModel.tokenLoss(logits.get(":, 0:15, :"), tokens.get(":, 1:")).mean();
            System.gc();
            gc.backward(loss);
        }
        NDArray g = s.getGradient();
        assertThat(g.abs().sum().getFloat()).isGreaterThan(0f);
        assertThat(Float.isFinite(g.abs().sum().getFloat())).isTrue();
    }

    @Test
    void dInMismatchAndMissingHookAreNamed() {
        SaeConfig cfg = SaeConfig.builder().id("narrow").hookPoint(HookPoint.residPre(1)).dIn(32).dSae(8).build();
        SaeConfig deep = SaeConfig.builder().id("deep").hookPoint(HookPoint.residPre(5)).dIn(64).dSae(8).build();
        try (Sae narrow = Sae.create(cfg, randomWeights(32, 8), ND.get()); Sae far = Sae.create(deep, randomWeights(64, 8), ND.get())) {
            assertThatThrownBy(() -> SaeSplice.check(narrow, model)).hasMessageContaining("narrow").hasMessageContaining("d_in 32")
                    .hasMessageContaining("width 64").hasMessageContaining("blocks.1.hook_resid_pre");
            assertThatThrownBy(() -> SaeSplice.check(far, model)).hasMessageContaining("blocks.5.hook_resid_pre");
            assertThatThrownBy(() -> model.forward(tokens, SaeSplice.replace(narrow))).hasMessageContaining("expects [..., 32]");
        }
    }

    static Map<String, HostTensor> randomWeights(int dIn, int dSae) {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("W_enc", HostTensor.f32(new long[] {dIn, dSae}, rand(r, dIn * dSae)));
        w.put("b_enc", HostTensor.f32(new long[] {dSae}, rand(r, dSae)));
        w.put("W_dec", HostTensor.f32(new long[] {dSae, dIn}, rand(r, dIn * dSae)));
        w.put("b_dec", HostTensor.f32(new long[] {dIn}, rand(r, dIn)));
        return w;
    }

    static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 0.1);
        }
        return a;
    }

    /** A pre-tokenised corpus of random ids for the id-only gpt2-tiny. */
    Path corpus(int docs, int len, long seed) throws IOException {
        return TestCorpus.randomIds(tmp.resolve("ids.jsonl"), docs, len, seed);
    }

    @Test
    void evaluatorNumbersAgreeWithIndependentArithmetic() throws IOException {
        Path f = corpus(10, 23, 11);                  // 230 tokens → 14 windows of 16
        Corpus corpus = Corpus.builder(f).tokenizer(model.tokenizer()).seqLen(16).batchSize(4).build();
        SaeEvalResult r = SaeEvaluator.evaluate(model, apollo, corpus.batches(), 150, "gpt2-tiny", "ids.jsonl");
        assertThat(r.tokens()).isEqualTo(160);       // ceil(150 / 16) = 10 windows
        assertThat(r.ceIncrease()).isEqualTo(r.ceSpliced() - r.ceClean());
        assertThat(r.alive() + r.dead()).isEqualTo(256);

        // independent: same 10 windows, captured clean activations, host arithmetic in double
        List<Batch> batches = new ArrayList<>();
        corpus.batches().forEachRemaining(batches::add);
        List<float[]> xs = new ArrayList<>();
        List<float[]> recons = new ArrayList<>();
        double ceClean = 0;
        double ceSpliced = 0;
        double kl = 0;
        long positions = 0;
        double l0 = 0;
        boolean[] fired = new boolean[256];
        int windows = 0;
        for (Batch b : batches) {
            if (windows >= 10) {
                break;
            }
            int take = Math.min(b.size(), 10 - windows);
            windows += take;
            Batch bb = new Batch(b.windows().subList(0, take));
            NDArray t = bb.toNDArray(ND.get());
            Map<HookPoint, NDArray> cap = new LinkedHashMap<>();
            NDArray lc = model.forward(t, Hooks.capture(List.of(apollo.hookPoint()), cap));
            NDArray ls = model.forward(t, SaeSplice.replace(apollo));
            float[] x = cap.get(apollo.hookPoint()).toFloatArray();
            float[] c = apollo.encode(cap.get(apollo.hookPoint())).toFloatArray();
            float[] rec = apollo.reconstruct(cap.get(apollo.hookPoint())).toFloatArray();
            for (int i = 0; i < c.length; i++) {
                if (c[i] != 0) {
                    l0++;
                    fired[i % 256] = true;
                }
            }
            // centre x per token on the host (Apollo's input space)
            for (int tok = 0; tok < x.length / 64; tok++) {
                double m = 0;
                for (int j = 0; j < 64; j++) {
                    m += x[tok * 64 + j];
                }
                m /= 64;
                float[] xc = new float[64];
                float[] rc = new float[64];
                for (int j = 0; j < 64; j++) {
                    xc[j] = (float) (x[tok * 64 + j] - m);
                    rc[j] = rec[tok * 64 + j];
                }
                xs.add(xc);
                recons.add(rc);
            }
            float[] a = lc.toFloatArray();
            float[] s = ls.toFloatArray();
            int[] ids = bb.flatTokens();
            for (int row = 0; row < take; row++) {
                for (int pos = 0; pos < 16; pos++) {
                    int off = (row * 16 + pos) * 1000;
                    double za = lse(a, off);
                    double zs = lse(s, off);
                    for (int v = 0; v < 1000; v++) {
                        double pa = a[off + v] - za;
                        kl += Math.exp(pa) * (pa - (s[off + v] - zs));
                    }
                    if (pos < 15) {
                        int next = ids[row * 16 + pos + 1];
                        ceClean += za - a[off + next];
                        ceSpliced += zs - s[off + next];
                        positions++;
                    }
                }
            }
        }
        int n = xs.size();
        assertThat(n).isEqualTo(160);
        double[] mean = new double[64];
        for (float[] v : xs) {
            for (int j = 0; j < 64; j++) {
                mean[j] += v[j] / (double) n;
            }
        }
        double ssTot = 0;
        double ssErr = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 64; j++) {
                ssTot += Math.pow(xs.get(i)[j] - mean[j], 2);
                ssErr += Math.pow(xs.get(i)[j] - recons.get(i)[j], 2);
            }
        }
        int alive = 0;
        for (boolean b : fired) {
            alive += b ? 1 : 0;
        }
        assertThat(r.explainedVariance()).isCloseTo(1 - ssErr / ssTot, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(r.mse()).isCloseTo(ssErr / (n * 64.0), org.assertj.core.data.Offset.offset(1e-7));
        assertThat(r.l0()).isCloseTo(l0 / n, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.alive()).isEqualTo(alive);
        assertThat(r.ceClean()).isCloseTo(ceClean / positions, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(r.ceSpliced()).isCloseTo(ceSpliced / positions, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(r.kl()).isCloseTo(kl / n, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.kl()).isGreaterThan(0);
        assertThat(r.table()).contains("CE increase").contains("explained variance");
    }

    @Test
    void evaluationLeavesNoArraysBehind() throws IOException {
        Path f = corpus(20, 40, 5);
        Corpus corpus = Corpus.builder(f).tokenizer(model.tokenizer()).seqLen(16).batchSize(2).build();
        SaeEvaluator.evaluate(model, apollo, corpus.batches(), 64, "m", "c");         // warm-up (decoder cache)
        int modelArrays = model.manager().getManagedArrays().size();
        int saeArrays = apollo.manager().getManagedArrays().size();
        int rootArrays = ND.get().getManagedArrays().size();
        SaeEvalResult r = SaeEvaluator.evaluate(model, apollo, corpus.batches(), 640, "m", "c");
        assertThat(r.tokens()).isEqualTo(640);
        assertThat(model.manager().getManagedArrays()).hasSize(modelArrays);
        assertThat(apollo.manager().getManagedArrays()).hasSize(saeArrays);
        assertThat(ND.get().getManagedArrays()).hasSize(rootArrays);
    }

    static double lse(float[] a, int off) {
        double m = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < 1000; v++) {
            m = Math.max(m, a[off + v]);
        }
        double z = 0;
        for (int v = 0; v < 1000; v++) {
            z += Math.exp(a[off + v] - m);
        }
        return m + Math.log(z);
    }
}
