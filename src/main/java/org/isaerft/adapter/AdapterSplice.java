package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;
import org.isaerft.model.HookFn;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Splices a latent edit into the model at the SAE's hook, keeping the SAE's error term:
 * with c = encode(x) and c' = edit(c),
 * {@code x' = toRaw(decode(c')) + (x − toRaw(decode(c)))}, computed as
 * {@code x + (toRaw(decode(c')) − toRaw(decode(c)))} so an identity edit returns x bit for bit.
 * Gradients reach only what {@code edit} is computed from (the adapter's parameters): x comes
 * from the frozen model and c, decode(c) from the frozen SAE.
 */
public final class AdapterSplice {
    private AdapterSplice() {}

    /** The hook function for {@code edit} on {@code sae}. */
    public static HookFn hookFn(SparseAutoencoder sae, UnaryOperator<NDArray> edit) {
        return (x, point) -> {
            NDArray c = sae.encode(x);                          // [B, T, dSae]
            NDArray cEdited = edit.apply(c);                    // [B, T, dSae]
            NDArray recon = sae.toRaw(sae.decode(c));           // [B, T, dIn]
            NDArray reconEdited = sae.toRaw(sae.decode(cEdited)); // [B, T, dIn]
            return x.add(reconEdited.sub(recon));               // [B, T, dIn]
        };
    }

    /** Hooks that apply {@code adapter} at the SAE's hook point. */
    public static Hooks hooks(SparseAutoencoder sae, Adapter adapter) {
        if (adapter.dSae() != sae.dSae()) {
            throw new IllegalArgumentException("adapter has d_sae " + adapter.dSae() + " but SAE '" + sae.id() + "' has d_sae "
                    + sae.dSae());
        }
        return Hooks.builder().add(sae.hookPoint(), hookFn(sae, adapter::apply)).build();
    }

    /**
     * Hooks that apply {@code adapter} and also record, at the hook, the base latents c and the
     * adapted latents c' into {@code sink} (index 0 = c, 1 = c'); for measuring activation change.
     */
    public static Hooks recordingHooks(SparseAutoencoder sae, Adapter adapter, NDArray[] sink) {
        HookPoint p = sae.hookPoint();
        return Hooks.builder().add(p, hookFn(sae, c -> {
            NDArray out = adapter.apply(c);
            sink[0] = c;
            sink[1] = out;
            return out;
        })).build();
    }
}
