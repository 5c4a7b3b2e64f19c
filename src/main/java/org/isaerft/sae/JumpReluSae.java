package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.Map;
import org.isaerft.tensor.HostTensor;

/**
 * JumpReLU SAE (SAELens {@code jumprelu}): {@code c = ReLU(pre) · [pre > threshold]} with a
 * per-latent {@code threshold} [d_sae]. The step has no gradient with respect to the threshold
 * here; a trainer supplies its own straight-through estimator.
 */
public final class JumpReluSae extends Sae {
    JumpReluSae(SaeConfig config, Map<String, HostTensor> weights, NDManager parent) {
        super(config, weights, parent);
    }

    @Override
    protected String[] extraParameters() {
        return new String[] {"threshold"};
    }

    public NDArray threshold() {
        return parameter("threshold");
    }

    @Override
    public NDArray activate(NDArray pre) {
        NDArray gate = pre.gt(threshold()).toType(DataType.FLOAT32, false);             // [..., d_sae] 0/1
        return Activation.relu(pre).mul(gate);                                          // [..., d_sae]
    }
}
