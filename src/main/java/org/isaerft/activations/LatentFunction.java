package org.isaerft.activations;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.isaerft.sae.SparseAutoencoder;

/**
 * A "virtual latent" source: any function of the SAE latent vector, mined exactly like SAE latents
 * (top examples, deciles, random windows, stats). Examples: an adapter's FFNN hidden units, a
 * projection onto a direction in latent space or in the SAE's input (residual) space. Ids are
 * {@code <source()>/<index>}.
 */
public interface LatentFunction {
    /** Source name of the ids (e.g. {@code my-adapter/ffnn}); must not contain characters that break file names badly. */
    String source();

    /** Number of virtual latents n. */
    int width();

    /** latents [B, T, dSae] → values [B, T, n] (float32). Called inside the miner's per-batch NDScope. */
    NDArray apply(NDArray latents);

    /**
     * Directions [n, dIn] in the SAE's input space whose logit lens describes each virtual latent
     * (a linear readout's equivalent decoder direction), or empty if there is none.
     */
    default Optional<NDArray> directions() {
        return Optional.empty();
    }

    /**
     * Projections of the latent vector onto directions in latent space: {@code latents @ dirs^T}.
     * The logit lens uses {@code dirs @ W_dec} (the input-space vector the direction decodes to).
     *
     * @param dirs [n, dSae]
     */
    static LatentFunction latentProjection(String source, NDArray dirs, SparseAutoencoder sae) {
        if (dirs.getShape().dimension() != 2 || dirs.getShape().get(1) != sae.dSae()) {
            throw new IllegalArgumentException("latent-space directions for " + source + " must be [n, " + sae.dSae() + "], found "
                    + dirs.getShape());
        }
        int n = Math.toIntExact(dirs.getShape().get(0));
        NDArray t = dirs.transpose();                                                   // [dSae, n]
        return new LatentFunction() {
            @Override
            public String source() {
                return source;
            }

            @Override
            public int width() {
                return n;
            }

            @Override
            public NDArray apply(NDArray latents) {
                return latents.matMul(t);                                               // [B, T, n]
            }

            @Override
            public Optional<NDArray> directions() {
                return Optional.of(dirs.matMul(sae.decoderDirections()));             // [n, dIn]
            }
        };
    }

    /**
     * Projections of the SAE's reconstruction (input space) onto directions there:
     * {@code decode(latents) @ dirs^T}; the logit lens uses the directions themselves.
     *
     * @param dirs [n, dIn]
     */
    static LatentFunction inputProjection(String source, NDArray dirs, SparseAutoencoder sae) {
        if (dirs.getShape().dimension() != 2 || dirs.getShape().get(1) != sae.dIn()) {
            throw new IllegalArgumentException("input-space directions for " + source + " must be [n, " + sae.dIn() + "], found "
                    + dirs.getShape());
        }
        int n = Math.toIntExact(dirs.getShape().get(0));
        NDArray t = dirs.transpose();                                                   // [dIn, n]
        return new LatentFunction() {
            @Override
            public String source() {
                return source;
            }

            @Override
            public int width() {
                return n;
            }

            @Override
            public NDArray apply(NDArray latents) {
                return sae.decode(latents).matMul(t);                                  // [B, T, n]
            }

            @Override
            public Optional<NDArray> directions() {
                return Optional.of(dirs);
            }
        };
    }
}
