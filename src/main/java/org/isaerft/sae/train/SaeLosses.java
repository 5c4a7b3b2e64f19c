package org.isaerft.sae.train;

import ai.djl.ndarray.NDArray;

/**
 * The training losses, as engine ops safe for autograd (no {@code mul/div/pow(Number)}: every
 * constant is a PyTorch-owned scalar array passed in by the caller).
 *
 * <ul>
 *   <li>{@link #kl}: KL(original ‖ spliced) = Σ_v p_orig(v)·(log p_orig(v) − log p_new(v)) per token,
 *   averaged over all [batch × seq] tokens — PyTorch's {@code kl_div(log_softmax(new),
 *   log_softmax(orig), log_target=True, reduction="batchmean")} on logits flattened to
 *   [B·T, V], as e2e_sae computes it.</li>
 *   <li>{@link #mse}: mean over every element of (a − b)² ({@code F.mse_loss}, reduction mean).</li>
 *   <li>{@link #sparsity}: mean over tokens of ‖c‖₁, divided by d_in (the e2e_sae normalisation: λ is
 *   comparable across model widths). For a ReLU SAE c ≥ 0, so ‖c‖₁ = Σ c
 *   ({@link #sparsityNonNegative}).</li>
 * </ul>
 */
public final class SaeLosses {
    private SaeLosses() {}

    /** origLogits, newLogits [..., V] → scalar mean KL(orig ‖ new) per token (nats). */
    public static NDArray kl(NDArray origLogits, NDArray newLogits) {
        NDArray lpOrig = origLogits.logSoftmax(-1);                                    // [..., V]
        NDArray lpNew = newLogits.logSoftmax(-1);                                      // [..., V]
        NDArray perToken = lpOrig.exp().mul(lpOrig.sub(lpNew)).sum(new int[] {-1});  // [...]
        return perToken.mean();                                                        // []
    }

    /** Mean squared difference over every element: a, b [...] → []. */
    public static NDArray mse(NDArray a, NDArray b) {
        NDArray d = a.sub(b);                                                          // [...]
        return d.mul(d).mean();                                                        // []
    }

    /**
     * Mean over tokens of ‖c‖₁ / d_in: c [..., d_sae] → []. {@code invDIn} is a scalar engine
     * array holding 1/d_in.
     */
    public static NDArray sparsity(NDArray c, NDArray invDIn) {
        return c.abs().sum(new int[] {-1}).mean().mul(invDIn);                         // []
    }

    /**
     * {@link #sparsity} for latents known to be ≥ 0 (ReLU, JumpReLU, TopK over ReLU): ‖c‖₁ = Σ c,
     * so the |·| pass (and its sign pass in backward, each over all [tokens × d_sae] latents) is
     * skipped. Same value bit for bit; same gradient into the pre-activations (|·|' = sign(c) and
     * 1 differ only where c = 0, where the activation's own gradient is 0).
     */
    public static NDArray sparsityNonNegative(NDArray c, NDArray invDIn) {
        return c.sum(new int[] {-1}).mean().mul(invDIn);                               // []
    }
}
