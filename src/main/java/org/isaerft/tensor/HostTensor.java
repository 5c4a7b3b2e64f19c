package org.isaerft.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor in host memory, little-endian, row-major, as stored in a safetensors file. Floating
 * types convert to float32 in Java (BF16 never reaches the engine: it aborts the JVM).
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) {
    public HostTensor {
        if (shape == null || dtype == null || data == null) {
            throw new IllegalArgumentException("dtype, shape and data are required");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long expected = numel(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected
                    + " bytes, found " + data.remaining());
        }
        shape = shape.clone();
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    public static HostTensor f32(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.F32, shape, b);
    }

    public static HostTensor i32(long[] shape, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new HostTensor(DType.I32, shape, b);
    }

    public static HostTensor i64(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new HostTensor(DType.I64, shape, b);
    }

    /** Copies an engine array to host memory (F32 stays F32; integer types keep their width). */
    public static HostTensor of(NDArray array) {
        long[] shape = array.getShape().getShape();
        DataType t = array.getDataType();
        switch (t) {
            case FLOAT32:
                return f32(shape, array.toFloatArray());
            case FLOAT64: case FLOAT16:
                return f32(shape, array.toType(DataType.FLOAT32, false).toFloatArray());
            case INT32:
                return i32(shape, array.toIntArray());
            case INT64:
                return i64(shape, array.toLongArray());
            default:
                throw new TensorFormatException("cannot store an engine array of type " + t + " (shape " + array.getShape() + ")");
        }
    }

    /** All elements as float32 (F64 narrowed, F16/BF16 widened, integers converted). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(i * 8); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = halfToFloat(b.getShort(i * 2)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(i * 8); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
        }
        return out;
    }

    /** Integer tensors as int (I64 checked for overflow). */
    public int[] toIntArray() {
        int n = Math.toIntExact(numel());
        int[] out = new int[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case I32 -> b.asIntBuffer().get(out);
            case I64 -> { for (int i = 0; i < n; i++) out[i] = Math.toIntExact(b.getLong(i * 8)); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            default -> throw new TensorFormatException("expected an integer tensor, found " + dtype + " " + shapeString());
        }
        return out;
    }

    /**
     * An engine array owned by {@code manager}: floating types become FLOAT32, integer types INT32
     * or INT64. The data is copied (never a view of this buffer).
     */
    public NDArray toNDArray(NDManager manager) {
        Shape s = new Shape(shape);
        if (dtype.isFloating()) {
            return EngineArrays.owned(manager, toFloatArray(), s);
        }
        if (dtype == DType.I64) {
            long[] v = new long[Math.toIntExact(numel())];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
            return EngineArrays.owned(manager, v, s);
        }
        return EngineArrays.owned(manager, toIntArray(), s);
    }

    /** IEEE 754 binary16 → float32 (Float.float16ToFloat is Java 20+). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // 2^-14 * mant/2^10
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
