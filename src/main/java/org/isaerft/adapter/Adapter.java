package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * A trainable map on SAE latents, c [..., dSae] → c' [..., dSae], that is the identity at
 * initialisation. The LM and the SAE stay frozen; only {@link #parameters()} are trained.
 *
 * <p>All ops in {@link #apply} take part in autograd and avoid the scalar overloads
 * ({@code mul(Number)} etc.) that break DJL's backward; the per-call input is always the first
 * operand so results land in the caller's scope, not in the adapter's long-lived manager.
 */
public interface Adapter extends AutoCloseable {
    AdapterKind kind();

    /** Number of SAE latents the adapter acts on. */
    int dSae();

    /** latents [..., dSae] → adapted latents [..., dSae]. */
    NDArray apply(NDArray latents);

    /**
     * The trainable parameters by their on-disk names ({@code s}; {@code b}; {@code W1},
     * {@code b1}, {@code W2}, {@code b2}), in a stable order. The arrays are the live parameters.
     */
    Map<String, NDArray> parameters();

    /** Hyperparameters that define the architecture (e.g. hidden width, activation), for metadata. */
    Map<String, Object> architecture();

    /** The manager that owns the parameters. */
    NDManager manager();

    /** Total number of trainable scalars. */
    default long trainableParams() {
        long n = 0;
        for (NDArray p : parameters().values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /** Marks every parameter as requiring a gradient (before training). */
    default void requireGradients(boolean on) {
        for (NDArray p : parameters().values()) {
            p.setRequiresGradient(on);
        }
    }

    /**
     * λ · Σ|θ| over all parameters, as a scalar array in the caller's scope (autograd-safe: λ is
     * an engine-owned scalar, never {@code mul(Number)}).
     */
    default NDArray l1Penalty(NDManager scope, double lambda) {
        NDArray lam = scope.full(new Shape(), (float) lambda, DataType.FLOAT32);   // []
        NDArray total = scope.zeros(new Shape(), DataType.FLOAT32);                 // []
        for (NDArray p : parameters().values()) {
            total = total.add(p.abs().sum());                                       // []
        }
        return total.mul(lam);                                                      // []
    }

    @Override
    void close();
}
