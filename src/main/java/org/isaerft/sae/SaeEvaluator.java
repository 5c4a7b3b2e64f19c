package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.isaerft.data.Batch;
import org.isaerft.data.Window;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.util.Versions;

/**
 * Measures an SAE spliced into a model over a stream of token batches: sparsity (L0, alive/dead
 * latents), reconstruction in the SAE's input space (MSE, explained variance), and the effect on
 * the model (CE clean vs spliced, CE increase, KL(clean‖spliced)). Definitions in
 * {@link SaeEvalResult}. Each batch runs a clean and a spliced forward pass inside its own
 * {@link NDScope}; sums are kept in double on the host, so memory is bounded by one batch.
 */
public final class SaeEvaluator {
    private SaeEvaluator() {}

    /**
     * Evaluates {@code sae} in {@code model} on windows from {@code batches} until at least
     * {@code maxTokens} tokens (rounded up to whole windows) or the batches run out.
     */
    public static SaeEvalResult evaluate(LanguageModel model, SparseAutoencoder sae, Iterator<Batch> batches, long maxTokens,
            String modelId, String corpusId) {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive, found " + maxTokens);
        }
        SaeSplice.check(sae, model);
        Accumulator acc = new Accumulator(sae.dIn(), sae.dSae());
        int batchSize = 0;
        int seq = 0;
        while (acc.tokens < maxTokens && batches.hasNext()) {
            Batch b = batches.next();
            seq = b.seqLen();
            batchSize = Math.max(batchSize, b.size());
            if (seq > model.config().contextLength()) {
                throw new IllegalArgumentException("windows of " + seq + " tokens exceed the model's context of " + model.config().contextLength());
            }
            long need = (maxTokens - acc.tokens + seq - 1) / seq;
            if (need < b.size()) {
                List<Window> rows = new ArrayList<>(b.windows().subList(0, (int) need));
                b = new Batch(rows);
            }
            runBatch(model, sae, b, acc);
        }
        if (acc.tokens == 0) {
            throw new IllegalArgumentException("the corpus gave no complete window of " + (seq == 0 ? "the requested" : seq) + " tokens");
        }
        return acc.result(model, sae, modelId, corpusId, maxTokens, batchSize, seq);
    }

    private static void runBatch(LanguageModel model, SparseAutoencoder sae, Batch b, Accumulator acc) {
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = b.toNDArray(m);                                              // [B, T] int32
            NDArray clean = model.forward(tokens, Hooks.none());                          // [B, T, V]
            SaeSplice.Step[] seen = new SaeSplice.Step[1];
            Hooks splice = SaeSplice.of(sae).onStep(s -> seen[0] = s).hooks();
            NDArray spliced = model.forward(tokens, splice);                              // [B, T, V]
            if (seen[0] == null) {
                throw new IllegalStateException("model never called the SAE's hook " + sae.hookPoint());
            }
            long t = b.seqLen();
            NDArray targets = tokens.get(":, 1:");                                        // [B, T-1]
            NDArray ceClean = LanguageModel.tokenLoss(clean.get(":, 0:" + (t - 1) + ", :"), targets);   // [B, T-1]
            NDArray ceSpliced = LanguageModel.tokenLoss(spliced.get(":, 0:" + (t - 1) + ", :"), targets); // [B, T-1]
            NDArray lpClean = clean.logSoftmax(-1);                                       // [B, T, V]
            NDArray lpSpliced = spliced.logSoftmax(-1);                                   // [B, T, V]
            NDArray kl = lpClean.exp().mul(lpClean.sub(lpSpliced)).sum(new int[] {-1});   // [B, T]

            NDArray c = seen[0].latents();                                                // [B, T, d_sae]
            NDArray active = c.neq(0f).toType(DataType.FLOAT32, false);                   // [B, T, d_sae]
            NDArray fired = active.sum(new int[] {0, 1});                                 // [d_sae]
            NDArray xin = seen[0].input();                                                // [B, T, d_in]
            NDArray err = xin.sub(seen[0].reconstruction());                              // [B, T, d_in]

            acc.add(b.tokenCount(), ceClean.sum().toType(DataType.FLOAT64, false).getDouble(), ceClean.size(),
                    ceSpliced.sum().toType(DataType.FLOAT64, false).getDouble(),
                    kl.sum().toType(DataType.FLOAT64, false).getDouble(),
                    active.sum().toType(DataType.FLOAT64, false).getDouble(), fired.toFloatArray(),
                    err.mul(err).sum().toType(DataType.FLOAT64, false).getDouble(),
                    xin.toType(DataType.FLOAT64, false).sum(new int[] {0, 1}).toDoubleArray(),
                    xin.mul(xin).sum().toType(DataType.FLOAT64, false).getDouble());
        }
    }

    /** Host-side running sums. */
    private static final class Accumulator {
        final int dIn;
        final boolean[] alive;
        long tokens;
        long cePositions;
        double ceClean;
        double ceSpliced;
        double kl;
        double active;
        double sqErr;
        final double[] sumX;
        double sumSq;

        Accumulator(int dIn, int dSae) {
            this.dIn = dIn;
            this.alive = new boolean[dSae];
            this.sumX = new double[dIn];
        }

        void add(long n, double ceC, long positions, double ceS, double klSum, double activeSum, float[] fired, double sqErrSum,
                double[] xSum, double xSq) {
            tokens += n;
            cePositions += positions;
            ceClean += ceC;
            ceSpliced += ceS;
            kl += klSum;
            active += activeSum;
            for (int i = 0; i < fired.length; i++) {
                alive[i] |= fired[i] > 0;
            }
            sqErr += sqErrSum;
            for (int i = 0; i < dIn; i++) {
                sumX[i] += xSum[i];
            }
            sumSq += xSq;
        }

        SaeEvalResult result(LanguageModel model, SparseAutoencoder sae, String modelId, String corpusId, long requested, int batch,
                int seq) {
            int nAlive = 0;
            for (boolean a : alive) {
                nAlive += a ? 1 : 0;
            }
            double meanSq = 0;
            for (double s : sumX) {
                meanSq += (s / tokens) * (s / tokens);
            }
            double totalSs = sumSq - tokens * meanSq;
            double ev = totalSs > 0 ? 1 - sqErr / totalSs : Double.NaN;
            double ceC = ceClean / cePositions;
            double ceS = ceSpliced / cePositions;
            String format = sae instanceof Sae s ? s.config().format() : sae.getClass().getSimpleName();
            int dSae = alive.length;
            return new SaeEvalResult(SaeEvalResult.SCHEMA_VERSION, SaeEvalResult.TYPE, modelId, sae.id(), format, sae.hookPoint().name(),
                    dIn, dSae, corpusId, requested, tokens, batch, seq, active / tokens, nAlive, dSae - nAlive,
                    nAlive / (double) dSae, (dSae - nAlive) / (double) dSae, sqErr / ((double) tokens * dIn), ev, ceC, ceS, ceS - ceC,
                    kl / tokens, Versions.all());
        }
    }
}
