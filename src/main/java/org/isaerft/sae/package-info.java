/**
 * Sparse autoencoders: one implementation ({@link org.isaerft.sae.Sae}, sealed by activation into
 * {@link org.isaerft.sae.ReluSae}, {@link org.isaerft.sae.JumpReluSae}, {@link org.isaerft.sae.TopKSae})
 * holding weights in the canonical SAELens layout, loaded by registered formats
 * ({@link org.isaerft.sae.SaeFormat}: {@code apollo_e2e}, {@code saelens}, {@code sparsify};
 * {@link org.isaerft.sae.SaeFormats} detects them from the files), resolved from a path or a
 * pretrained catalogue entry ({@link org.isaerft.sae.SaeResolver}, {@link org.isaerft.sae.PretrainedSaes}),
 * spliced into a model ({@link org.isaerft.sae.SaeSplice}) and measured
 * ({@link org.isaerft.sae.SaeEvaluator}).
 *
 * <p>Each format's input convention is applied by {@link org.isaerft.sae.SparseAutoencoder#toInputSpace}:
 * Apollo e2e centres each token, SAELens subtracts {@code b_dec} and may normalise, sparsify
 * subtracts {@code b_dec}. The {@code .pt} reader in {@link org.isaerft.sae.pt} never executes
 * pickle code.
 */
package org.isaerft.sae;
