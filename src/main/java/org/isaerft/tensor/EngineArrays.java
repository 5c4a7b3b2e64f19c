package org.isaerft.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Engine-owned arrays from Java data. {@code manager.create(float[]|int[]|long[], shape)} returns a
 * zero-copy view of a JVM buffer, which autograd can still read after a GC freed it (silent NaN);
 * these helpers copy the data into memory the engine owns, close the staging view,
 * and return the copy attached to {@code manager}. The copy is registered like any new array (an
 * open {@code NDScope} will close it unless the caller unregisters it).
 */
public final class EngineArrays {
    private EngineArrays() {}

    /** A FLOAT32 copy of {@code values} with {@code shape}. */
    public static NDArray owned(NDManager manager, float[] values, Shape shape) {
        check(values.length, shape);
        try (NDArray view = manager.create(values, shape)) {
            return view.duplicate();
        }
    }

    /** An INT32 copy of {@code values} with {@code shape}. */
    public static NDArray owned(NDManager manager, int[] values, Shape shape) {
        check(values.length, shape);
        try (NDArray view = manager.create(values, shape)) {
            return view.duplicate();
        }
    }

    /** An INT64 copy of {@code values} with {@code shape}. */
    public static NDArray owned(NDManager manager, long[] values, Shape shape) {
        check(values.length, shape);
        try (NDArray view = manager.create(values, shape)) {
            return view.duplicate();
        }
    }

    private static void check(int n, Shape shape) {
        if (n != shape.size()) {
            throw new IllegalArgumentException("an array of shape " + shape + " needs " + shape.size() + " values, found " + n);
        }
    }
}
