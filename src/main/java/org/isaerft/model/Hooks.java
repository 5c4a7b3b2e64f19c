package org.isaerft.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hooks for one forward pass: per hook point, functions applied in order, and optionally a
 * point after which the pass stops (when only an activation is wanted, not logits).
 */
public final class Hooks {
    private static final Hooks NONE = new Hooks(Map.of(), null);
    private final Map<HookPoint, List<HookFn>> fns;
    private final HookPoint stopAt;

    private Hooks(Map<HookPoint, List<HookFn>> fns, HookPoint stopAt) {
        this.fns = fns;
        this.stopAt = stopAt;
    }

    public static Hooks none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Hooks that store the activation at each of {@code points} into {@code sink} (read only). */
    public static Hooks capture(Iterable<HookPoint> points, Map<HookPoint, NDArray> sink) {
        Builder b = builder();
        for (HookPoint p : points) {
            b.capture(p, sink);
        }
        return b.build();
    }

    /**
     * Applies the hooks registered at {@code point}; model implementations call this at every
     * point they support, in forward order.
     */
    public NDArray apply(HookPoint point, NDArray activation) {
        List<HookFn> list = fns.get(point);
        if (list == null) {
            return activation;
        }
        NDArray x = activation;
        for (HookFn f : list) {
            NDArray y = f.apply(x, point);
            if (y == null) {
                throw new IllegalStateException("hook at " + point + " returned null");
            }
            if (!y.getShape().equals(x.getShape())) {
                throw new IllegalStateException("hook at " + point + " changed the activation's shape: expected "
                        + x.getShape() + ", found " + y.getShape());
            }
            x = y;
        }
        return x;
    }

    public boolean has(HookPoint point) {
        return fns.containsKey(point);
    }

    public java.util.Set<HookPoint> points() {
        return fns.keySet();
    }

    public Optional<HookPoint> stopAt() {
        return Optional.ofNullable(stopAt);
    }

    /** True if the forward pass should stop right after {@code point}'s hooks ran. */
    public boolean stopsAt(HookPoint point) {
        return point.equals(stopAt);
    }

    /** A copy with {@code other}'s functions run after this one's at shared points. */
    public Hooks and(Hooks other) {
        Builder b = toBuilder();
        other.fns.forEach((p, l) -> l.forEach(f -> b.add(p, f)));
        if (other.stopAt != null) {
            b.stopAt(other.stopAt);
        }
        return b.build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        fns.forEach((p, l) -> l.forEach(f -> b.add(p, f)));
        b.stopAt = stopAt;
        return b;
    }

    public static final class Builder {
        private final Map<HookPoint, List<HookFn>> fns = new LinkedHashMap<>();
        private HookPoint stopAt;

        public Builder add(HookPoint point, HookFn fn) {
            fns.computeIfAbsent(point, k -> new ArrayList<>()).add(fn);
            return this;
        }

        public Builder add(String point, HookFn fn) {
            return add(HookPoint.parse(point), fn);
        }

        public Builder capture(HookPoint point, Map<HookPoint, NDArray> sink) {
            return add(point, (x, p) -> {
                sink.put(p, x);
                return x;
            });
        }

        /** Stop the forward pass after this point (the forward then returns null instead of logits). */
        public Builder stopAt(HookPoint point) {
            this.stopAt = point;
            return this;
        }

        public Hooks build() {
            Map<HookPoint, List<HookFn>> copy = new LinkedHashMap<>();
            fns.forEach((p, l) -> copy.put(p, List.copyOf(l)));
            return new Hooks(Collections.unmodifiableMap(copy), stopAt);
        }
    }
}
