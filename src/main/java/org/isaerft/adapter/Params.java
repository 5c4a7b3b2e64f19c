package org.isaerft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.isaerft.tensor.EngineArrays;

/** Helpers to make engine-owned parameter arrays (never zero-copy views of JVM buffers). */
final class Params {
    private Params() {}

    /** An engine-owned FLOAT32 copy of {@code values} with {@code shape}, living in {@code manager}. */
    static NDArray owned(NDManager manager, float[] values, Shape shape) {
        return EngineArrays.owned(manager, values, shape);
    }

    static void checkShape(String kind, String name, NDArray a, Shape expected) {
        if (!a.getShape().equals(expected)) {
            throw new IllegalArgumentException(kind + " adapter parameter '" + name + "' has shape " + a.getShape()
                    + ", expected " + expected);
        }
    }

    static void checkLatents(String kind, int dSae, NDArray c) {
        Shape s = c.getShape();
        if (s.dimension() == 0 || s.get(s.dimension() - 1) != dSae) {
            throw new IllegalArgumentException(kind + " adapter expects latents [..., " + dSae + "], found " + s);
        }
    }
}
