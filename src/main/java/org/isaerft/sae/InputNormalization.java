package org.isaerft.sae;

/**
 * How a raw activation is mapped into an SAE's input space before encoding, and back.
 *
 * <ul>
 *   <li>{@link #NONE}: identity.</li>
 *   <li>{@link #CENTER}: {@code x − mean(x)} over the last axis, per token (Apollo e2e_sae SAEs,
 *   trained on TransformerLens activations with {@code center_writing_weights=True}; also SAELens
 *   SAEs whose {@code model_from_pretrained_kwargs} set {@code center_writing_weights: true} on a
 *   residual-stream hook). {@link SparseAutoencoder#toRaw} keeps the centring: on a LayerNorm model
 *   the per-token mean of the residual stream never reaches the output.</li>
 *   <li>{@link #CONSTANT_NORM_RESCALE}: SAELens' {@code constant_norm_rescale}: {@code x · √d_in / ‖x‖}
 *   per token; the inverse divides by the same per-token coefficient, taken from the most recent
 *   {@code toInputSpace}/{@code encode} call on this thread (as SAELens keeps {@code x_norm_coeff}
 *   between {@code encode} and {@code decode}).</li>
 *   <li>{@link #LAYER_NORM}: SAELens' {@code layer_norm}: {@code (x − μ) / (σ + 1e-5)} with σ the
 *   unbiased standard deviation per token; the inverse multiplies by σ and adds μ of the most recent
 *   call on this thread.</li>
 * </ul>
 * SAELens' {@code expected_average_only_in} is not a runtime mode: as SAELens does, the loader folds
 * the dataset-level scaling factor into the weights ({@code W_enc·s}, {@code W_dec/s}, {@code b_dec/s})
 * and the SAE then runs with {@link #NONE}.
 */
public enum InputNormalization {
    NONE("none"),
    CENTER("center"),
    CONSTANT_NORM_RESCALE("constant_norm_rescale"),
    LAYER_NORM("layer_norm");

    private final String label;

    InputNormalization(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** True if {@code toRaw} depends on the activation last passed to {@code toInputSpace}. */
    public boolean stateful() {
        return this == CONSTANT_NORM_RESCALE || this == LAYER_NORM;
    }

    public static InputNormalization parse(String s) {
        for (InputNormalization n : values()) {
            if (n.label.equals(s)) {
                return n;
            }
        }
        throw new IllegalArgumentException("unknown input normalisation '" + s + "' (known: none, center, constant_norm_rescale, layer_norm)");
    }
}
