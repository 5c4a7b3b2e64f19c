package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.isaerft.model.HookFn;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;

/**
 * Splices an SAE into a model's forward pass at the SAE's hook point.
 *
 * <p>Without the error term the activation {@code x} is replaced by the reconstruction
 * {@code toRaw(decode(encode(x)))}. With the error term, and optionally a latent edit
 * {@code c → c'}, the replacement is
 * <pre>
 *   x' = toRaw(decode(c')) + stop_gradient(x − toRaw(decode(c)))      c = encode(x)
 * </pre>
 * computed as {@code sg(x) + toRaw(decode(c')) − sg(toRaw(decode(c)))}: the same gradients
 * (into the edit's parameters, the SAE, and x through the encoder), and when the edit is the
 * identity (or absent) the two reconstruction terms are the same numbers, so {@code x' == x}
 * exactly and the model's output is bit-for-bit unchanged.
 *
 * <p>{@link Builder#onStep} sees every call's arrays (raw input, input-space input, latents,
 * edited latents, reconstruction in input space) for measurements; they belong to the caller's
 * scope.
 */
public final class SaeSplice {
    private SaeSplice() {}

    /** What one spliced call computed: [..., d_in] / [..., d_sae] arrays. */
    public record Step(HookPoint point, NDArray raw, NDArray input, NDArray latents, NDArray editedLatents,
                       NDArray reconstruction, NDArray replacement) {}

    public static Builder of(SparseAutoencoder sae) {
        return new Builder(sae);
    }

    /** Replace the activation by the SAE's reconstruction. */
    public static Hooks replace(SparseAutoencoder sae) {
        return of(sae).hooks();
    }

    /** Splice with the error term: the model's output is unchanged, latents are computed. */
    public static Hooks withErrorTerm(SparseAutoencoder sae) {
        return of(sae).errorTerm(true).hooks();
    }

    /** Splice with the error term and a latent edit (the adapters' entry point). */
    public static Hooks withLatentEdit(SparseAutoencoder sae, UnaryOperator<NDArray> edit) {
        return of(sae).errorTerm(true).edit(edit).hooks();
    }

    /** Fails unless {@code model} calls the SAE's hook point with activations of width d_in. */
    public static void check(SparseAutoencoder sae, LanguageModel model) {
        HookPoint h = sae.hookPoint();
        if (!model.hookPoints().contains(h)) {
            throw new IllegalArgumentException("SAE " + sae.id() + " reads " + h + ", which model " + model.config().modelType()
                    + " (" + model.config().nLayers() + " layers) does not have");
        }
        int width = model.config().width(h);
        if (width != sae.dIn()) {
            throw new IllegalArgumentException("SAE " + sae.id() + " has d_in " + sae.dIn() + " but model " + model.config().modelType()
                    + " has width " + width + " at " + h);
        }
    }

    /** Splice options. */
    public static final class Builder {
        private final SparseAutoencoder sae;
        private boolean errorTerm;
        private UnaryOperator<NDArray> edit;
        private Consumer<Step> onStep;

        private Builder(SparseAutoencoder sae) {
            this.sae = Objects.requireNonNull(sae, "sae");
        }

        public Builder errorTerm(boolean on) {
            errorTerm = on;
            return this;
        }

        /** A latent edit {@code c → c'} ([..., d_sae] → [..., d_sae]). */
        public Builder edit(UnaryOperator<NDArray> fn) {
            edit = fn;
            return this;
        }

        public Builder onStep(Consumer<Step> consumer) {
            onStep = consumer;
            return this;
        }

        public HookFn fn() {
            boolean err = errorTerm;
            UnaryOperator<NDArray> e = edit;
            Consumer<Step> obs = onStep;
            return (x, point) -> {
                NDArray xin = sae.toInputSpace(x);                                   // [..., d_in]
                NDArray c = sae instanceof Sae s ? s.activate(s.preActivations(xin)) : sae.encode(x); // [..., d_sae]
                NDArray cEdit = e == null ? c : e.apply(c);                           // [..., d_sae]
                if (cEdit == null || !cEdit.getShape().equals(c.getShape())) {
                    throw new IllegalStateException("latent edit at " + point + " must return " + c.getShape() + ", found "
                            + (cEdit == null ? "null" : cEdit.getShape()));
                }
                NDArray recon = sae.decode(cEdit);                                    // [..., d_in] input space
                NDArray out;
                if (!err) {
                    out = sae.toRaw(recon);                                           // [..., d_in]
                } else if (cEdit == c) {
                    NDArray r = sae.toRaw(recon);                                     // [..., d_in]
                    out = x.stopGradient().add(r.sub(r.stopGradient()));              // == x exactly
                } else {
                    NDArray rEdit = sae.toRaw(recon);                                 // [..., d_in]
                    NDArray rClean = sae.toRaw(sae.decode(c)).stopGradient();         // [..., d_in]
                    out = x.stopGradient().add(rEdit.sub(rClean));                    // [..., d_in]
                }
                if (obs != null) {
                    obs.accept(new Step(point, x, xin, c, cEdit, recon, out));
                }
                return out;
            };
        }

        public Hooks hooks() {
            return Hooks.builder().add(sae.hookPoint(), fn()).build();
        }
    }
}
