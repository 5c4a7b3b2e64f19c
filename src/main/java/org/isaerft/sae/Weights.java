package org.isaerft.sae;

import java.util.Arrays;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.TensorFormatException;

/** Host-side helpers for loaders: shape checks naming file and tensor, transposes, scaling. */
final class Weights {
    private Weights() {}

    static HostTensor expect(String file, String tensor, HostTensor t, long... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new TensorFormatException(file + ": tensor '" + tensor + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(shape));
        }
        return t;
    }

    /** [rows, cols] → [cols, rows], as float32. */
    static HostTensor transpose(HostTensor t) {
        long[] s = t.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException("transpose needs a matrix, found " + t.shapeString());
        }
        int r = (int) s[0];
        int c = (int) s[1];
        float[] a = t.toFloatArray();
        float[] out = new float[a.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = a[i * c + j];
            }
        }
        return HostTensor.f32(new long[] {c, r}, out);
    }

    static HostTensor f32(HostTensor t) {
        return t.dtype() == org.isaerft.tensor.DType.F32 ? t : HostTensor.f32(t.shape(), t.toFloatArray());
    }

    static HostTensor scale(HostTensor t, double s) {
        float[] a = t.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (a[i] * s);
        }
        return HostTensor.f32(t.shape(), a);
    }

    static HostTensor exp(HostTensor t) {
        float[] a = t.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.exp(a[i]);
        }
        return HostTensor.f32(t.shape(), a);
    }

    /** [rows, cols] with row i multiplied by {@code factors[i]}. */
    static HostTensor scaleRows(HostTensor m, HostTensor factors) {
        long[] sh = m.shape();
        float[] a = m.toFloatArray();
        float[] f = factors.toFloatArray();
        int cols = (int) sh[1];
        for (int i = 0; i < sh[0]; i++) {
            for (int j = 0; j < cols; j++) {
                a[i * cols + j] *= f[i];
            }
        }
        return HostTensor.f32(sh, a);
    }
}
