package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.isaerft.tensor.EngineArrays;

/** Seeded random weights and engine-owned weight arrays for the test models and SAEs. */
public final class TestWeights {
    private TestWeights() {}

    /** {@code n} draws from N(mean, std²) (Box–Muller over {@code r}, reproducible per seed). */
    public static float[] gauss(SplittableRandom r, int n, double std, double mean) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = Math.max(1e-12, r.nextDouble());
            double u2 = r.nextDouble();
            out[i] = (float) (mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return out;
    }

    /**
     * An engine-owned FLOAT32 copy of {@code values} in {@code manager} (never a view of the JVM
     * buffer, so it stays valid across GCs), not registered with any open {@link NDScope}.
     */
    public static NDArray owned(NDManager manager, float[] values, Shape shape) {
        NDArray copy = EngineArrays.owned(manager, values, shape);
        NDScope.unregister(copy);
        return copy;
    }
}
