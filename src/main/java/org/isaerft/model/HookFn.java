package org.isaerft.model;

import ai.djl.ndarray.NDArray;

/**
 * Called with the activation at a hook point; returns the activation that the forward pass
 * continues with. Returning the argument reads; returning another array replaces. Replacements
 * take part in autograd: gradients flow through the returned array into whatever it was computed
 * from (e.g. an adapter's parameters), while the model's own weights stay frozen.
 */
@FunctionalInterface
public interface HookFn {
    NDArray apply(NDArray activation, HookPoint point);
}
