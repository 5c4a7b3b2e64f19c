package org.isaerft.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.model.HookPoint;
import org.isaerft.tensor.EngineArrays;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.TensorFormatException;

/**
 * The SAE implementation behind every format, sealed by activation function: {@link ReluSae},
 * {@link JumpReluSae}, {@link TopKSae}. Parameters are engine arrays in the canonical SAELens
 * layout ({@link SaeConfig}); the forward pass is
 * <pre>
 *   x_in   = toInputSpace(x)                         [..., d_in]
 *   pre    = (x_in − b_dec·apply_b_dec) @ W_enc + b_enc  [..., d_sae]
 *   c      = activation(pre)                         [..., d_sae]
 *   x_hat  = c @ D + b_dec                           [..., d_in]   D = W_dec, rows L2-normalised if normalize_decoder_at_use
 * </pre>
 * Weights are frozen until {@link #setTrainable(boolean)} attaches gradients, so a trainer can
 * reuse these classes directly ({@link #parameters()} names them as SAELens does).
 *
 * <p>Memory: weights live in this SAE's own manager (closed by {@link #close()}) and are never
 * registered with an {@link NDScope}; per-call results follow the caller's scope.
 */
public abstract sealed class Sae implements SparseAutoencoder permits ReluSae, JumpReluSae, TopKSae {
    private static final float LN_EPS = 1e-5f;

    protected final SaeConfig config;
    protected final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final NDArray eps12;      // [] F.normalize eps
    private final NDArray sqrtDIn;    // [] √d_in (constant_norm_rescale)
    private final NDArray lnEps;      // [] layer_norm eps
    private final NDArray dInMinus1;  // [] d_in − 1 (unbiased variance)
    private final ThreadLocal<NDArray[]> normState = new ThreadLocal<>();
    private NDArray cachedDirections; // [d_sae, d_in] when frozen
    private boolean trainable;

    protected Sae(SaeConfig config, Map<String, HostTensor> weights, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        try {
            put(weights, "W_enc", config.dIn(), config.dSae());
            put(weights, "b_enc", config.dSae());
            put(weights, "W_dec", config.dSae(), config.dIn());
            put(weights, "b_dec", config.dIn());
            for (String extra : extraParameters()) {
                put(weights, extra, config.dSae());
            }
            for (String name : weights.keySet()) {
                if (!parameters.containsKey(name)) {
                    throw new TensorFormatException("SAE " + config.id() + ": unexpected weight '" + name + "' for activation "
                            + config.activation() + " (expected " + parameters.keySet() + ")");
                }
            }
            eps12 = constant(1e-12f);
            sqrtDIn = constant((float) Math.sqrt(config.dIn()));
            lnEps = constant(LN_EPS);
            dInMinus1 = constant(Math.max(1, config.dIn() - 1));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Builds the SAE class for {@code config.activation()} from canonical-layout weights. */
    public static Sae create(SaeConfig config, Map<String, HostTensor> weights, NDManager parent) {
        return switch (config.activation()) {
            case SaeConfig.RELU -> new ReluSae(config, weights, parent);
            case SaeConfig.JUMPRELU -> new JumpReluSae(config, weights, parent);
            case SaeConfig.TOPK -> new TopKSae(config, weights, parent);
            default -> throw new IllegalArgumentException("unknown activation " + config.activation());
        };
    }

    /**
     * A freshly initialised SAE for training, seeded: decoder rows are random directions
     * (normal, L2-normalised) scaled to {@code decoderNorm}, {@code W_enc = W_decᵀ} (SAELens' tied
     * initialisation), {@code b_enc = b_dec = 0}, JumpReLU {@code threshold = 0.001} (SAELens'
     * default {@code jumprelu_init_threshold}). Frozen until {@link #setTrainable(boolean)}.
     */
    public static Sae initialize(SaeConfig config, long seed, double decoderNorm, NDManager parent) {
        if (!(decoderNorm > 0)) {
            throw new IllegalArgumentException("decoder norm must be > 0, found " + decoderNorm);
        }
        int dIn = config.dIn();
        int dSae = config.dSae();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[] dec = new float[dSae * dIn];
        float[] enc = new float[dIn * dSae];
        for (int i = 0; i < dSae; i++) {
            double ss = 0;
            double[] row = new double[dIn];
            for (int j = 0; j < dIn; j++) {
                row[j] = rng.nextGaussian();
                ss += row[j] * row[j];
            }
            double scale = decoderNorm / Math.sqrt(ss);
            for (int j = 0; j < dIn; j++) {
                float v = (float) (row[j] * scale);
                dec[i * dIn + j] = v;
                enc[j * dSae + i] = v;
            }
        }
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("W_enc", HostTensor.f32(new long[] {dIn, dSae}, enc));
        w.put("b_enc", HostTensor.f32(new long[] {dSae}, new float[dSae]));
        w.put("W_dec", HostTensor.f32(new long[] {dSae, dIn}, dec));
        w.put("b_dec", HostTensor.f32(new long[] {dIn}, new float[dIn]));
        if (SaeConfig.JUMPRELU.equals(config.activation())) {
            float[] th = new float[dSae];
            Arrays.fill(th, 0.001f);
            w.put("threshold", HostTensor.f32(new long[] {dSae}, th));
        }
        return create(config, w, parent);
    }

    /** Names of activation-specific parameters of shape [d_sae] (JumpReLU: threshold). */
    protected String[] extraParameters() {
        return new String[0];
    }

    private void put(Map<String, HostTensor> weights, String name, long... shape) {
        HostTensor t = weights.get(name);
        if (t == null) {
            throw new TensorFormatException("SAE " + config.id() + ": weight '" + name + "' is missing (have " + weights.keySet() + ")");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new TensorFormatException("SAE " + config.id() + ": weight '" + name + "' has shape " + t.shapeString()
                    + ", expected " + Arrays.toString(shape) + " (d_in=" + config.dIn() + ", d_sae=" + config.dSae() + ")");
        }
        NDArray owned = EngineArrays.owned(manager, t.toFloatArray(), new Shape(shape));
        NDScope.unregister(owned);
        owned.setName(name);
        parameters.put(name, owned);
    }

    private NDArray constant(float v) {
        NDArray c = manager.full(new Shape(), v, DataType.FLOAT32);
        NDScope.unregister(c);
        return c;
    }

    public SaeConfig config() {
        return config;
    }

    @Override
    public String id() {
        return config.id();
    }

    @Override
    public HookPoint hookPoint() {
        return config.hookPoint();
    }

    @Override
    public int dIn() {
        return config.dIn();
    }

    @Override
    public int dSae() {
        return config.dSae();
    }

    @Override
    public String activation() {
        return config.activation();
    }

    /** The manager owning this SAE's weights. */
    public NDManager manager() {
        return manager;
    }

    /** The parameters by SAELens name (W_enc, b_enc, W_dec, b_dec[, threshold]), live engine arrays. */
    public Map<String, NDArray> parameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    public NDArray parameter(String name) {
        NDArray p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("SAE " + id() + " has no parameter '" + name + "' (has " + parameters.keySet() + ")");
        }
        return p;
    }

    public boolean trainable() {
        return trainable;
    }

    /** Attaches (or drops) gradients on every parameter; frozen SAEs cache their normalised decoder. */
    public void setTrainable(boolean on) {
        this.trainable = on;
        for (NDArray p : parameters.values()) {
            p.setRequiresGradient(on);
        }
        invalidateCaches();
    }

    /** Call after changing parameter values in place (e.g. an optimiser step on a frozen copy). */
    public void invalidateCaches() {
        if (cachedDirections != null) {
            cachedDirections.close();
            cachedDirections = null;
        }
    }

    /** Current parameter values copied to host memory (for saving). */
    public Map<String, HostTensor> hostWeights() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> out.put(k, HostTensor.f32(v.getShape().getShape(), v.toFloatArray())));
        return out;
    }

    @Override
    public NDArray toInputSpace(NDArray raw) {
        checkWidth(raw, "toInputSpace");
        switch (config.inputNormalization()) {
            case NONE:
                return raw;
            case CENTER:
                return raw.sub(raw.mean(new int[] {-1}, true));                       // [..., d_in]
            case CONSTANT_NORM_RESCALE: {
                NDArray coeff = sqrtDIn.div(raw.norm(new int[] {-1}, true));            // [..., 1]
                normState.set(new NDArray[] {coeff});
                return raw.mul(coeff);                                                 // [..., d_in]
            }
            case LAYER_NORM: {
                NDArray mu = raw.mean(new int[] {-1}, true);                           // [..., 1]
                NDArray centred = raw.sub(mu);                                         // [..., d_in]
                NDArray std = centred.mul(centred).sum(new int[] {-1}, true).div(dInMinus1).sqrt(); // [..., 1]
                normState.set(new NDArray[] {mu, std});
                return centred.div(std.add(lnEps));                                    // [..., d_in]
            }
            default:
                throw new IllegalStateException(config.inputNormalization().toString());
        }
    }

    @Override
    public NDArray toRaw(NDArray input) {
        checkWidth(input, "toRaw");
        InputNormalization n = config.inputNormalization();
        if (!n.stateful()) {
            return input;
        }
        NDArray[] state = normState.get();
        if (state == null) {
            throw new IllegalStateException("SAE " + id() + ": toRaw with " + n.label()
                    + " needs the per-token statistics of a preceding toInputSpace/encode call on this thread");
        }
        long[] want = input.getShape().slice(0, input.getShape().dimension() - 1).getShape();
        long[] have = state[0].getShape().slice(0, state[0].getShape().dimension() - 1).getShape();
        if (!Arrays.equals(want, have)) {
            throw new IllegalStateException("SAE " + id() + ": toRaw input " + input.getShape() + " does not match the tokens of the last "
                    + "toInputSpace call " + state[0].getShape());
        }
        return n == InputNormalization.CONSTANT_NORM_RESCALE
                ? input.div(state[0])                                                   // [..., d_in]
                : input.mul(state[1]).add(state[0]);                                    // [..., d_in]
    }

    /** Encoder pre-activations of an input-space activation: [..., d_in] → [..., d_sae]. */
    public NDArray preActivations(NDArray input) {
        checkWidth(input, "encode");
        NDArray x = config.applyBDecToInput() ? input.sub(parameters.get("b_dec")) : input; // [..., d_in]
        return x.matMul(parameters.get("W_enc")).add(parameters.get("b_enc"));             // [..., d_sae]
    }

    /** The activation function: pre-activations [..., d_sae] → latents [..., d_sae]. */
    public abstract NDArray activate(NDArray preActivations);

    @Override
    public NDArray encode(NDArray raw) {
        return activate(preActivations(toInputSpace(raw)));                              // [..., d_sae]
    }

    @Override
    public NDArray decode(NDArray latents) {
        if (latents.getShape().dimension() == 0 || latents.getShape().get(latents.getShape().dimension() - 1) != dSae()) {
            throw new IllegalArgumentException("SAE " + id() + ": decode expects latents [..., " + dSae() + "], found " + latents.getShape());
        }
        return latents.matMul(decoderDirections()).add(parameters.get("b_dec"));          // [..., d_in]
    }

    /** Shorthand for {@code decode(encode(raw))}: the reconstruction in input space. */
    public NDArray reconstruct(NDArray raw) {
        return decode(encode(raw));
    }

    @Override
    public NDArray decoderDirections() {
        NDArray wDec = parameters.get("W_dec");                                          // [d_sae, d_in]
        if (!config.normalizeDecoderAtUse()) {
            return wDec;
        }
        if (!trainable && cachedDirections != null) {
            return cachedDirections;
        }
        NDArray norms = wDec.norm(new int[] {1}, true).maximum(eps12);                   // [d_sae, 1]
        NDArray dirs = wDec.div(norms);                                                  // [d_sae, d_in]
        if (!trainable) {
            NDScope.unregister(dirs);
            norms.close();
            cachedDirections = dirs;
        }
        return dirs;
    }

    private void checkWidth(NDArray x, String op) {
        Shape s = x.getShape();
        if (s.dimension() == 0 || s.get(s.dimension() - 1) != dIn()) {
            throw new IllegalArgumentException("SAE " + id() + " (" + hookPoint() + "): " + op + " expects [..., " + dIn()
                    + "], found " + s);
        }
    }

    @Override
    public void close() {
        normState.remove();
        manager.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + id() + " @ " + hookPoint() + ", " + dIn() + "→" + dSae()
                + (config.k() > 0 ? ", k=" + config.k() : "") + ", " + config.format() + "]";
    }
}
