package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import org.isaerft.model.HookPoint;

/**
 * A sparse autoencoder on one hook point. All methods take and return engine arrays and take
 * part in autograd; the SAE's own weights are frozen unless a trainer says otherwise.
 *
 * <p>Spaces: the <em>raw</em> activation is what the model produces at the hook. The
 * <em>input space</em> is what the SAE was trained on (the format's convention applied: Apollo
 * e2e centres each token, SAELens may normalise). {@link #decode} returns a reconstruction in
 * input space; {@link #toRaw} maps input space back to something that can replace the raw
 * activation in the model.
 */
public interface SparseAutoencoder extends AutoCloseable {
    /** A stable id (e.g. "e2e_similar_ce_layer_6" or a directory name). */
    String id();

    HookPoint hookPoint();

    int dIn();

    int dSae();

    /** "relu", "jumprelu" or "topk". */
    String activation();

    /** raw [..., dIn] → input space [..., dIn]. */
    NDArray toInputSpace(NDArray raw);

    /** input space [..., dIn] → raw-compatible [..., dIn] (inverse normalisation; centring is kept). */
    NDArray toRaw(NDArray input);

    /** raw [..., dIn] → latents [..., dSae] (input convention applied). */
    NDArray encode(NDArray raw);

    /** latents [..., dSae] → reconstruction in input space [..., dIn]. */
    NDArray decode(NDArray latents);

    /** The decoder directions actually used, [dSae, dIn] in input space (for the logit lens). */
    NDArray decoderDirections();

    @Override
    void close();
}
