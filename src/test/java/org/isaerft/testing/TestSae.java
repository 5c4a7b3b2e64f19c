package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.SparseAutoencoder;

/**
 * A test SAE with SAELens "standard" semantics and raw = input space:
 * c = ReLU((x − b_dec) W_enc + b_enc), x̂ = c W_dec + b_dec. Weights are fixed (seeded random or
 * given) and never require gradients; they live in a sub-manager closed by {@link #close()}.
 */
public final class TestSae implements SparseAutoencoder {
    private final NDManager manager;
    private final HookPoint hook;
    private final int dIn;
    private final int dSae;
    public final NDArray wEnc; // [dIn, dSae]
    public final NDArray bEnc; // [dSae]
    public final NDArray wDec; // [dSae, dIn]
    public final NDArray bDec; // [dIn]

    /**
     * Seeded random weights: W_enc ~ N(0, encStd²), b_enc ~ N(encBias, 0.01²),
     * W_dec ~ N(0, 1/dIn), b_dec ~ N(0, 0.01²).
     */
    public TestSae(NDManager parent, HookPoint hook, int dIn, int dSae, long seed, double encStd, double encBias) {
        this(parent, hook, dIn, dSae, new SplittableRandom(seed), encStd, encBias);
    }

    private TestSae(NDManager parent, HookPoint hook, int dIn, int dSae, SplittableRandom r, double encStd, double encBias) {
        this(parent, hook, TestWeights.gauss(r, dIn * dSae, encStd, 0), TestWeights.gauss(r, dSae, 0.01, encBias),
                TestWeights.gauss(r, dSae * dIn, 1.0 / Math.sqrt(dIn), 0), TestWeights.gauss(r, dIn, 0.01, 0));
    }

    /** An SAE with the given weights (SAELens layout: W_enc [dIn, dSae], W_dec [dSae, dIn]). */
    public TestSae(NDManager parent, HookPoint hook, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        this.manager = parent.newSubManager();
        this.hook = hook;
        this.dIn = bDec.length;
        this.dSae = bEnc.length;
        this.wEnc = TestWeights.owned(manager, wEnc, new Shape(dIn, dSae));
        this.bEnc = TestWeights.owned(manager, bEnc, new Shape(dSae));
        this.wDec = TestWeights.owned(manager, wDec, new Shape(dSae, dIn));
        this.bDec = TestWeights.owned(manager, bDec, new Shape(dIn));
    }

    /** W_enc, b_enc, W_dec, b_dec. */
    public List<NDArray> weights() {
        return List.of(wEnc, bEnc, wDec, bDec);
    }

    @Override
    public String id() {
        return "test-sae";
    }

    @Override
    public HookPoint hookPoint() {
        return hook;
    }

    @Override
    public int dIn() {
        return dIn;
    }

    @Override
    public int dSae() {
        return dSae;
    }

    @Override
    public String activation() {
        return "relu";
    }

    @Override
    public NDArray toInputSpace(NDArray raw) {
        return raw;
    }

    @Override
    public NDArray toRaw(NDArray input) {
        return input;
    }

    @Override
    public NDArray encode(NDArray raw) {
        return Activation.relu(raw.sub(bDec).matMul(wEnc).add(bEnc));   // [..., dSae]
    }

    @Override
    public NDArray decode(NDArray c) {
        return c.matMul(wDec).add(bDec);                                // [..., dIn]
    }

    @Override
    public NDArray decoderDirections() {
        return wDec;
    }

    @Override
    public void close() {
        manager.close();
    }
}
