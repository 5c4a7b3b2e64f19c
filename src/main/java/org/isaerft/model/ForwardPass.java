package org.isaerft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Set;

/**
 * What every model family's forward pass shares: one rule for token arrays, the hook call at each
 * hook point, and the early exit after {@link Hooks#stopAt()}.
 *
 * <p>Token ids are int32 or int64, shape [batch, seq]. 8-bit arrays are refused for every family:
 * no supported vocabulary fits in them (GPT-2: 50257, stories260K: 512), so an int8/uint8 array of
 * ids is a bug upstream (bytes passed as ids), not a compact encoding.
 */
public final class ForwardPass {
    /** The accepted token dtypes. */
    public static final Set<DataType> TOKEN_TYPES = Set.of(DataType.INT32, DataType.INT64);

    private ForwardPass() {}

    /** Unwinds a forward pass right after the stop point (no stack trace; one shared instance). */
    public static final class Stop extends RuntimeException {
        static final Stop INSTANCE = new Stop();

        private Stop() {
            super("forward pass stopped at the stop point", null, false, false);
        }
    }

    /** Runs the hooks at {@code point}; throws {@link Stop} if it is the stop point. */
    public static NDArray at(Hooks hooks, HookPoint point, NDArray activation) {
        NDArray out = hooks.apply(point, activation);
        if (hooks.stopsAt(point)) {
            throw Stop.INSTANCE;
        }
        return out;
    }

    /** Every hook and the stop point must name a point of this model. */
    public static void checkHooks(Hooks hooks, Set<HookPoint> known, String model, int layers) {
        for (HookPoint p : hooks.points()) {
            if (!known.contains(p)) {
                throw new IllegalArgumentException("hook point " + p + " does not exist in this " + model + " (" + layers
                        + " layers, blocks.0 .. blocks." + (layers - 1) + ")");
            }
        }
        hooks.stopAt().ifPresent(p -> {
            if (!known.contains(p)) {
                throw new IllegalArgumentException("stop point " + p + " does not exist in this " + model + " (" + layers + " layers)");
            }
        });
    }

    /**
     * Checks a token array and returns its ids as an engine-owned int64 copy [B, T] (the caller's
     * array may be a view of a JVM buffer).
     *
     * @param past         positions already processed (a key/value cache), 0 otherwise
     * @param context      the model's context length
     * @param contextField the config field that sets it (named in the error)
     * @param vocab        the vocabulary size
     */
    public static NDArray tokenIds(NDArray tokens, long past, long context, String contextField, long vocab) {
        Shape s = tokens.getShape();
        if (s.dimension() != 2) {
            throw new IllegalArgumentException("tokens must be [batch, seq], found shape " + s);
        }
        DataType dt = tokens.getDataType();
        if (!TOKEN_TYPES.contains(dt)) {
            throw new IllegalArgumentException("tokens must be an integer array of int32 or int64, found " + dt);
        }
        if (s.get(0) < 1 || s.get(1) < 1) {
            throw new IllegalArgumentException("tokens must have at least one row and one position, found shape " + s);
        }
        if (past + s.get(1) > context) {
            throw new IllegalArgumentException("sequence length " + (past + s.get(1)) + " exceeds the model's context length "
                    + context + " (" + contextField + ")");
        }
        NDArray ids = tokens.toType(DataType.INT64, true);                       // [B, T] engine-owned copy
        long min = ids.min().getLong();
        long max = ids.max().getLong();
        if (min < 0 || max >= vocab) {
            ids.close();
            throw new IllegalArgumentException("token id " + (min < 0 ? min : max) + " out of range: ids must be in [0, "
                    + vocab + ") (vocab_size " + vocab + ")");
        }
        return ids;
    }
}
