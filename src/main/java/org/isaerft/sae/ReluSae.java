package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.Map;
import org.isaerft.tensor.HostTensor;

/** Standard SAE: {@code c = ReLU(pre)}. */
public final class ReluSae extends Sae {
    ReluSae(SaeConfig config, Map<String, HostTensor> weights, NDManager parent) {
        super(config, weights, parent);
    }

    @Override
    public NDArray activate(NDArray pre) {
        return Activation.relu(pre);                                                    // [..., d_sae]
    }
}
