package org.isaerft.tensor;

/** Element types of the safetensors format that isaerft reads (writes F32, I32 and I64). */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    public static DType parse(String s, String where) {
        try {
            return DType.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new TensorFormatException(where + ": unsupported dtype '" + s + "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
    }
}
