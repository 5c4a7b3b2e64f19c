package org.isaerft.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.isaerft.tensor.EngineArrays;

/** A batch of windows: tokens [batch, seq] plus each row's (document, offset). */
public record Batch(List<Window> windows) {
    public Batch {
        if (windows == null || windows.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one window");
        }
        int t = windows.get(0).tokens().length;
        for (Window w : windows) {
            if (w.tokens().length != t) {
                throw new IllegalArgumentException("windows of one batch must have equal length: " + t + " vs " + w.tokens().length);
            }
        }
        windows = List.copyOf(windows);
    }

    public int size() {
        return windows.size();
    }

    public int seqLen() {
        return windows.get(0).tokens().length;
    }

    public long tokenCount() {
        return (long) size() * seqLen();
    }

    /** Row-major token ids [batch × seq]. */
    public int[] flatTokens() {
        int t = seqLen();
        int[] out = new int[size() * t];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(windows.get(i).tokens(), 0, out, i * t, t);
        }
        return out;
    }

    /** INT32 [batch, seq] owned by {@code manager} (an engine-owned copy, safe to keep across GCs). */
    public NDArray toNDArray(NDManager manager) {
        return EngineArrays.owned(manager, flatTokens(), new Shape(size(), seqLen()));
    }
}
