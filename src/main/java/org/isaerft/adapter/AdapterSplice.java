package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import org.isaerft.model.Hooks;
import org.isaerft.sae.SaeSplice;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Splices an adapter into the model at its SAE's hook, keeping the SAE's error term, through
 * {@link SaeSplice}: with c = encode(x) and c' = adapter(c),
 * {@code x' = toRaw(decode(c')) + (x − toRaw(decode(c)))}, computed as
 * {@code x + (toRaw(decode(c')) − toRaw(decode(c)))} so an identity adapter returns x bit for bit.
 * Gradients reach only the adapter's parameters: the LM and SAE weights are frozen.
 */
public final class AdapterSplice {
    private AdapterSplice() {}

    /** Hooks that apply {@code adapter} at the SAE's hook point. */
    public static Hooks hooks(SparseAutoencoder sae, Adapter adapter) {
        check(sae, adapter);
        return SaeSplice.withLatentEdit(sae, adapter::apply);
    }

    /**
     * Hooks that apply {@code adapter} and also record, at the hook, the base latents c and the
     * adapted latents c' into {@code sink} (index 0 = c, 1 = c'); for measuring activation change.
     */
    public static Hooks recordingHooks(SparseAutoencoder sae, Adapter adapter, NDArray[] sink) {
        check(sae, adapter);
        return SaeSplice.of(sae).errorTerm(true).edit(adapter::apply).onStep(step -> {
            sink[0] = step.latents();
            sink[1] = step.editedLatents();
        }).hooks();
    }

    private static void check(SparseAutoencoder sae, Adapter adapter) {
        if (adapter.dSae() != sae.dSae()) {
            throw new IllegalArgumentException("adapter has d_sae " + adapter.dSae() + " but SAE '" + sae.id() + "' has d_sae "
                    + sae.dSae());
        }
    }
}
