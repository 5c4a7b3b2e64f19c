package org.isaerft.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;

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
        NDArray t = dirs.transpose();                                                   // [dSae, n]
        return new Projection(source, Math.toIntExact(dirs.getShape().get(0)),
                latents -> latents.matMul(t),                                           // [B, T, n]
                () -> dirs.matMul(sae.decoderDirections()));                            // [n, dIn]
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
        NDArray t = dirs.transpose();                                                   // [dIn, n]
        return new Projection(source, Math.toIntExact(dirs.getShape().get(0)),
                latents -> sae.decode(latents).matMul(t),                               // [B, T, n]
                () -> dirs);                                                            // [n, dIn]
    }

    /** A linear readout with its equivalent input-space directions. */
    record Projection(String source, int width, java.util.function.UnaryOperator<NDArray> fn,
            java.util.function.Supplier<NDArray> dirs) implements LatentFunction {
        @Override
        public NDArray apply(NDArray latents) {
            return fn.apply(latents);
        }

        @Override
        public Optional<NDArray> directions() {
            return Optional.of(dirs.get());
        }
    }

    /**
     * Virtual latents from a safetensors file ({@code isaerft mine --directions}): tensors latent.NAME [n, d_sae] (projections
     * of the latent vector) or input.NAME [n, d_in] (projections of the SAE reconstruction); ids directions/NAME/i.
     */
    static List<LatentFunction> loadDirections(Path file, SparseAutoencoder sae, NDManager manager) {
        SafeTensors.File f = SafeTensors.read(file);
        List<LatentFunction> out = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : f.tensors().entrySet()) {
            String name = e.getKey();
            HostTensor t = e.getValue();
            NDArray dirs = t.toNDArray(manager);
            if (name.startsWith("latent.")) {
                out.add(LatentFunction.latentProjection("directions/" + name.substring(7), dirs, sae));
            } else if (name.startsWith("input.")) {
                out.add(LatentFunction.inputProjection("directions/" + name.substring(6), dirs, sae));
            } else {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' must be named latent.<name> [n, " + sae.dSae()
                        + "] or input.<name> [n, " + sae.dIn() + "]");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no direction tensors");
        }
        return out;
    }

}
