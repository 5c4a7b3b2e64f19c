package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.SparseAutoencoder;

/**
 * A test SAE with fixed seeded random weights and SAELens "standard" semantics:
 * c = ReLU((x − b_dec) W_enc + b_enc), x̂ = c W_dec + b_dec. Weights never require gradients.
 */
final class TestSae implements SparseAutoencoder {
    final NDManager manager;
    final HookPoint hook;
    final int dIn;
    final int dSae;
    final NDArray wEnc; // [dIn, dSae]
    final NDArray bEnc; // [dSae]
    final NDArray wDec; // [dSae, dIn]
    final NDArray bDec; // [dIn]

    TestSae(NDManager parent, HookPoint hook, int dIn, int dSae, long seed, double encStd, double encBias) {
        this.manager = parent.newSubManager();
        this.hook = hook;
        this.dIn = dIn;
        this.dSae = dSae;
        SplittableRandom r = new SplittableRandom(seed);
        wEnc = Params.owned(manager, gauss(r, dIn * dSae, encStd, 0), new Shape(dIn, dSae));
        bEnc = Params.owned(manager, gauss(r, dSae, 0.01, encBias), new Shape(dSae));
        wDec = Params.owned(manager, gauss(r, dSae * dIn, 1.0 / Math.sqrt(dIn), 0), new Shape(dSae, dIn));
        bDec = Params.owned(manager, gauss(r, dIn, 0.01, 0), new Shape(dIn));
    }

    /** An SAE with the given weights (SAELens layout: W_enc [dIn, dSae], W_dec [dSae, dIn]). */
    TestSae(NDManager parent, HookPoint hook, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        this.manager = parent.newSubManager();
        this.hook = hook;
        this.dIn = bDec.length;
        this.dSae = bEnc.length;
        this.wEnc = Params.owned(manager, wEnc, new Shape(dIn, dSae));
        this.bEnc = Params.owned(manager, bEnc, new Shape(dSae));
        this.wDec = Params.owned(manager, wDec, new Shape(dSae, dIn));
        this.bDec = Params.owned(manager, bDec, new Shape(dIn));
    }

    static float[] gauss(SplittableRandom r, int n, double std, double mean) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = Math.max(1e-12, r.nextDouble());
            double u2 = r.nextDouble();
            out[i] = (float) (mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return out;
    }

    List<NDArray> weights() {
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
