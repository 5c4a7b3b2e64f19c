package org.isaerft.recovery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.isaerft.model.HookPoint;
import org.isaerft.sae.SparseAutoencoder;

/**
 * The identity "SAE" at a hook: latents are the raw activation (c = x, no nonlinearity), decode(c) = c.
 * A bias adapter on it is exactly a residual steering vector (x' = x + b, d_model parameters), trained
 * by the same {@link org.isaerft.adapter.AdapterTrainer} loop as the latent-space components — the
 * baseline every latent-space component must beat on training loss.
 */
public final class IdentitySae implements SparseAutoencoder {
    private final HookPoint hook;
    private final int d;
    private final NDManager manager;

    public IdentitySae(NDManager parent, HookPoint hook, int d) {
        if (d <= 0) {
            throw new IllegalArgumentException("identity SAE: width must be positive, found " + d);
        }
        this.hook = hook;
        this.d = d;
        this.manager = parent.newSubManager();
    }

    @Override
    public String id() {
        return "residual-" + hook.name();
    }

    @Override
    public HookPoint hookPoint() {
        return hook;
    }

    @Override
    public int dIn() {
        return d;
    }

    @Override
    public int dSae() {
        return d;
    }

    @Override
    public String activation() {
        return "identity";
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
        return raw;
    }

    @Override
    public NDArray decode(NDArray latents) {
        return latents;
    }

    @Override
    public NDArray decoderDirections() {
        return manager.eye(d).reshape(new Shape(d, d));
    }

    @Override
    public void close() {
        manager.close();
    }
}
