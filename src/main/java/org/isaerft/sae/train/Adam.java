package org.isaerft.sae.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.tensor.EngineArrays;
import org.isaerft.tensor.HostTensor;

/**
 * Adam (Kingma & Ba; PyTorch's {@code torch.optim.Adam} without weight decay) with global-norm
 * gradient clipping ({@code torch.nn.utils.clip_grad_norm_}: gradients scaled by
 * {@code min(1, maxNorm / (‖g‖ + 1e-6))}), run on engine arrays. Its state (first and second
 * moments, step count) is explicit so a checkpoint can save and restore it exactly (DJL's own
 * optimisers keep theirs private).
 *
 * <p>Call {@link #step} after the {@link ai.djl.training.GradientCollector} has closed (PyTorch
 * grad mode is then off, so the parameters can be updated in place); it zeroes the gradients.
 * Moments live in this object's manager, never in an {@link NDScope}.
 */
public final class Adam implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double maxGradNorm;
    private final NDManager manager;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long steps;

    /** {@code maxGradNorm <= 0} disables clipping. */
    public Adam(double beta1, double beta2, double eps, double maxGradNorm, NDManager parent) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("Adam needs 0 <= beta1, beta2 < 1 and eps > 0, found " + beta1 + ", " + beta2 + ", " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.maxGradNorm = maxGradNorm;
        this.manager = parent.newSubManager();
    }

    /** Steps taken (the bias-correction counter). */
    public long steps() {
        return steps;
    }

    /** What one step saw. */
    public record StepInfo(double gradNorm, double clipScale) {}

    /**
     * One update of every parameter with learning rate {@code lr}, from the gradients currently
     * attached to them; then zeroes those gradients.
     */
    public StepInfo step(Map<String, NDArray> params, double lr) {
        steps++;
        try (NDScope scope = new NDScope()) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            double sq = 0;
            for (var e : params.entrySet()) {
                NDArray g = e.getValue().getGradient();                                   // [param shape]
                grads.put(e.getKey(), g);
                sq += g.toType(DataType.FLOAT64, false).square().sum().getDouble();
            }
            double norm = Math.sqrt(sq);
            if (!Double.isFinite(norm)) {
                throw new IllegalStateException("gradient norm is " + norm + " at Adam step " + steps
                        + " (non-finite loss or gradients); lower the learning rate or check the data");
            }
            double clip = maxGradNorm > 0 ? Math.min(1.0, maxGradNorm / (norm + 1e-6)) : 1.0;
            double bc1 = 1 - Math.pow(beta1, steps);
            double bc2 = 1 - Math.pow(beta2, steps);
            // p ← p − lr·m̂/(√v̂ + eps), m̂ = m/bc1, v̂ = v/bc2 (PyTorch's formulation)
            double stepSize = lr / bc1;
            double sqrtBc2 = Math.sqrt(bc2);
            for (var e : params.entrySet()) {
                String name = e.getKey();
                NDArray p = e.getValue();
                NDArray g = grads.get(name);
                NDArray gc = clip == 1.0 ? g : g.mul(scalar(clip));                          // [shape]
                NDArray mi = m.computeIfAbsent(name, k -> zerosLike(p));
                NDArray vi = v.computeIfAbsent(name, k -> zerosLike(p));
                mi.muli(scalar(beta1)).addi(gc.mul(scalar(1 - beta1)));
                vi.muli(scalar(beta2)).addi(gc.mul(gc).mul(scalar(1 - beta2)));
                NDArray denom = vi.sqrt().div(scalar(sqrtBc2)).add(scalar(eps));             // [shape]
                p.subi(mi.div(denom).mul(scalar(stepSize)));
                g.subi(g);                                                                   // zero the gradient in place
            }
            return new StepInfo(norm, clip);
        }
    }

    private NDArray scalar(double x) {
        return manager.full(new Shape(), (float) x, DataType.FLOAT32); // engine-owned; registered with (and freed by) the step scope
    }

    private NDArray zerosLike(NDArray p) {
        NDArray z = manager.zeros(p.getShape(), DataType.FLOAT32);
        NDScope.unregister(z);
        return z;
    }

    /** The moments on the host: {@code m.NAME}, {@code v.NAME}. */
    public Map<String, HostTensor> hostState() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, HostTensor.of(a)));
        v.forEach((k, a) -> out.put("v." + k, HostTensor.of(a)));
        return out;
    }

    /** Restores moments and step count saved by {@link #hostState()} / {@link #steps()}. */
    public void restore(Map<String, HostTensor> state, long stepCount) {
        clear();
        for (var e : state.entrySet()) {
            String key = e.getKey();
            Map<String, NDArray> target = key.startsWith("m.") ? m : key.startsWith("v.") ? v : null;
            if (target == null) {
                throw new IllegalArgumentException("Adam state tensor '" + key + "' is neither m.* nor v.*");
            }
            NDArray owned = EngineArrays.owned(manager, e.getValue().toFloatArray(), new Shape(e.getValue().shape()));
            NDScope.unregister(owned);
            target.put(key.substring(2), owned);
        }
        this.steps = stepCount;
    }

    private void clear() {
        m.values().forEach(NDArray::close);
        v.values().forEach(NDArray::close);
        m.clear();
        v.clear();
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
