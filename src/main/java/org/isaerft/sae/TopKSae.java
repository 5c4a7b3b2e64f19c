package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.Map;
import org.isaerft.tensor.HostTensor;

/**
 * TopK SAE (EleutherAI sparsify): {@code c = ReLU(pre)} with all but the {@code k} largest values
 * per token set to zero. Implemented as a mask {@code ReLU(pre) ≥ kth largest}, so gradients flow
 * into the kept values (ties at the k-th value, measure-zero for real data, would keep more).
 */
public final class TopKSae extends Sae {
    TopKSae(SaeConfig config, Map<String, HostTensor> weights, NDManager parent) {
        super(config, weights, parent);
    }

    public int k() {
        return config.k();
    }

    @Override
    public NDArray activate(NDArray pre) {
        NDArray post = Activation.relu(pre);                                            // [..., d_sae]
        int last = post.getShape().dimension() - 1;
        NDArray kth = post.topK(k(), last, true, true).get(0).get("..., " + (k() - 1) + ":"); // [..., 1]
        NDArray keep = post.gte(kth).toType(DataType.FLOAT32, false);                   // [..., d_sae] 0/1
        return post.mul(keep);                                                          // [..., d_sae]
    }

    /** The kept values and their latent indices, sorted descending: [..., k] each (indices INT64). */
    public NDList topActivations(NDArray pre) {
        NDArray post = Activation.relu(pre);                                            // [..., d_sae]
        return post.topK(k(), post.getShape().dimension() - 1, true, true);
    }
}
