package org.isaerft.sae.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.data.Batch;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.InputNormalization;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeConfig;
import org.isaerft.sae.SaeSplice;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.util.Json;

/**
 * Trains a ReLU SAE at one hook of a frozen model with the local, e2e or e2e+downstream
 * objective ({@link TrainKind}, Braun et al. 2024). One step:
 * <pre>
 *   tokens [B, T] → (local) x = resid at hook, model stopped there; loss = MSE(x̂, x) + λ·S(c)
 *                 → (e2e)   clean logits, spliced logits (x replaced by x̂); loss = KL + λ·S(c)
 *                 → (e2e-ds) + (downstreamCoeff/n)·Σ MSE(spliced, clean) at later hook_resid_pre's, KL·klCoeff
 *   S(c) = mean over tokens of ‖c‖₁ / d_in     ({@link SaeLosses})
 *   backward → Adam (global-norm clip) → decoder rows rescaled to unit norm
 * </pre>
 *
 * <p><b>Decoder normalisation</b>: the SAE normalises decoder rows at use (Apollo's e2e_sae:
 * {@code x̂ = c·normalize(W_dec) + b_dec}, gradients flow through the normalisation) and after
 * every optimiser step the stored rows are also rescaled to unit norm. The rescale does not change
 * the function (normalisation at use is scale-invariant), keeps the stored W_dec equal to what
 * is saved, and keeps gradient magnitudes from drifting with the row norms. No b_dec is
 * subtracted from the input (e2e_sae's encoder is {@code ReLU(W_enc·x + b_enc)}); the input is the
 * raw activation (no centring: Llama-style models have no TransformerLens centred weights).
 *
 * <p><b>Dead latents</b>: a latent is dead when it has not fired (c > 0) on any of the last
 * {@code deadWindowTokens} training tokens; before that many tokens have been seen, a latent
 * counts as dead when it has not fired at all yet.
 *
 * <p><b>DJL discipline</b>: each step's forward/backward runs in its own {@link NDScope} and the
 * single {@link GradientCollector}; the token array is an engine-owned copy kept alive until
 * backward ends; all constants are engine scalars ({@code manager.full}); the optimiser runs after
 * the collector has closed (grad mode off), outside the forward scope.
 *
 * <p><b>Checkpoints</b> ({@link #saveCheckpoint}) hold the parameters, Adam's moments and step
 * count, the per-latent last-fired positions, the training position (step, tokens, windows
 * consumed: the data order is a pure function of seed and position) and the running metrics, in
 * one safetensors file written atomically. Resuming from one continues bit-for-bit as the
 * uninterrupted run would.
 *
 * <p>Over 400 lines because the three objectives share one step (forward, losses, clip, Adam, decoder
 * renormalisation, dead-latent counts, checkpoint/resume); the losses themselves are in {@link
 * SaeLosses}.
 */
public final class SaeTrainer implements AutoCloseable {
    public static final String CHECKPOINT_TYPE = "sae_train_checkpoint";
    public static final int CHECKPOINT_SCHEMA_VERSION = 1;
    private static final List<String> NOT_IDENTITY = List.of("checkpoint_every", "log_every");

    private final LanguageModel model;
    private final SaeTrainConfig cfg;
    private final Sae sae;
    private final Adam adam;
    private final NDManager manager;
    private final LrSchedule schedule;
    private final NDArray lambda;       // [] λ
    private final NDArray invDIn;       // [] 1/d_in
    private final NDArray klCoeff;      // [] KL coefficient
    private final NDArray dsCoeff;      // [] downstream coefficient per hook
    private final NDArray eps12;        // [] decoder-norm floor
    private final long[] lastFired;     // per latent: tokens seen when it last fired (-1 = never)
    private int step;
    private long tokensSeen;
    private long windowsConsumed;
    private Metrics interval = new Metrics();
    private Metrics last = new Metrics();
    private boolean gcBeforeBackward;

    private SaeTrainer(LanguageModel model, SaeTrainConfig cfg, Sae sae) {
        this.model = model;
        this.cfg = cfg;
        this.sae = sae;
        SaeSplice.check(sae, model);
        for (HookPoint h : cfg.downstreamHooks()) {
            if (!model.hookPoints().contains(h)) {
                throw new IllegalArgumentException("downstream hook " + h + " does not exist in model " + model.config().modelType()
                        + " (" + model.config().nLayers() + " layers)");
            }
        }
        if (cfg.seq() > model.config().contextLength()) {
            throw new IllegalArgumentException("--seq " + cfg.seq() + " exceeds the model's context of " + model.config().contextLength());
        }
        this.manager = model.manager().newSubManager();
        this.adam = new Adam(0.9, 0.999, 1e-8, cfg.maxGradNorm(), manager);
        this.schedule = cfg.schedule();
        this.lambda = constant(cfg.l1());
        this.invDIn = constant(1.0 / sae.dIn());
        this.klCoeff = constant(cfg.klCoeff());
        this.dsCoeff = constant(cfg.downstreamHooks().isEmpty() ? 0 : cfg.downstreamCoeff() / cfg.downstreamHooks().size());
        this.eps12 = constant(1e-12);
        this.lastFired = new long[sae.dSae()];
        java.util.Arrays.fill(lastFired, -1);
        sae.setTrainable(true);
    }

    /** The configuration of a freshly trained SAE (ReLU, no b_dec subtraction, raw input, decoder normalised at use). */
    public static SaeConfig saeConfig(String id, HookPoint hook, int dIn, int dSae, String modelName) {
        return SaeConfig.builder().id(id).format("new").hookPoint(hook).dIn(dIn).dSae(dSae).relu().applyBDecToInput(false)
                .inputNormalization(InputNormalization.NONE).normalizeDecoderAtUse(true).modelName(modelName).build();
    }

    /** A trainer with a freshly initialised, seeded SAE. */
    public static SaeTrainer start(LanguageModel model, SaeTrainConfig cfg, String id, String modelName) {
        int dIn = model.config().width(cfg.hook());
        SaeConfig sc = saeConfig(id, cfg.hook(), dIn, cfg.dSae(), modelName);
        Sae sae = Sae.initialize(sc, cfg.seed(), cfg.initDecoderNorm(), model.manager());
        try {
            SaeTrainer t = new SaeTrainer(model, cfg, sae);
            t.normalizeDecoder();
            return t;
        } catch (RuntimeException e) {
            sae.close();
            throw e;
        }
    }

    /** A trainer restored from {@code checkpoint}; fails if it was written with a different configuration. */
    public static SaeTrainer resume(LanguageModel model, SaeTrainConfig cfg, String id, String modelName, Path checkpoint) {
        SafeTensors.File f = SafeTensors.read(checkpoint);
        Map<String, String> meta = f.metadata();
        if (!CHECKPOINT_TYPE.equals(meta.get("type"))) {
            throw new TensorFormatException(checkpoint + ": not an SAE training checkpoint (metadata type '" + meta.get("type")
                    + "', expected '" + CHECKPOINT_TYPE + "')");
        }
        if (!String.valueOf(CHECKPOINT_SCHEMA_VERSION).equals(meta.get("schema_version"))) {
            throw new TensorFormatException(checkpoint + ": checkpoint schema_version " + meta.get("schema_version") + ", expected "
                    + CHECKPOINT_SCHEMA_VERSION);
        }
        JsonNode state;
        try {
            state = Json.MAPPER.readTree(meta.get("state"));
        } catch (IOException | IllegalArgumentException e) {
            throw new TensorFormatException(checkpoint + ": metadata 'state' is not valid JSON", e);
        }
        List<String> diffs = configDifferences(state.get("config"), Json.MAPPER.valueToTree(cfg.toMap()));
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(checkpoint + ": cannot resume with a different training configuration: "
                    + String.join("; ", diffs));
        }
        int dIn = model.config().width(cfg.hook());
        SaeConfig sc = saeConfig(id, cfg.hook(), dIn, cfg.dSae(), modelName);
        Map<String, HostTensor> params = new LinkedHashMap<>();
        Map<String, HostTensor> moments = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (k.startsWith("param.")) {
                params.put(k.substring(6), v);
            } else if (k.startsWith("adam.")) {
                moments.put(k.substring(5), v);
            }
        });
        Sae sae = Sae.create(sc, params, model.manager());
        try {
            SaeTrainer t = new SaeTrainer(model, cfg, sae);
            t.adam.restore(moments, state.get("adam_steps").asLong());
            HostTensor fired = f.get("last_fired", cfg.dSae());
            if (fired.dtype() != org.isaerft.tensor.DType.I64) {
                throw new TensorFormatException(checkpoint + ": tensor 'last_fired' has dtype " + fired.dtype() + ", expected I64");
            }
            fired.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(t.lastFired);
            t.step = state.get("step").asInt();
            t.tokensSeen = state.get("tokens_seen").asLong();
            t.windowsConsumed = state.get("windows_consumed").asLong();
            t.interval = Metrics.fromJson(state.get("interval_metrics"));
            t.last = Metrics.fromJson(state.get("last_metrics"));
            return t;
        } catch (RuntimeException e) {
            sae.close();
            throw e;
        }
    }

    static List<String> configDifferences(JsonNode saved, JsonNode now) {
        List<String> out = new ArrayList<>();
        if (saved == null || !saved.isObject()) {
            out.add("checkpoint has no config");
            return out;
        }
        var names = new java.util.TreeSet<String>();
        saved.fieldNames().forEachRemaining(names::add);
        now.fieldNames().forEachRemaining(names::add);
        for (String n : names) {
            if (NOT_IDENTITY.contains(n)) {
                continue;
            }
            JsonNode a = saved.get(n);
            JsonNode b = now.get(n);
            boolean same = a != null && b != null && (a.isNumber() && b.isNumber() ? a.asDouble() == b.asDouble() : a.equals(b));
            if (!same) {
                out.add(n + " was " + a + ", now " + b);
            }
        }
        return out;
    }

    private NDArray constant(double v) {
        NDArray c = manager.full(new Shape(), (float) v, DataType.FLOAT32);
        NDScope.unregister(c);
        return c;
    }

    public Sae sae() {
        return sae;
    }

    public SaeTrainConfig config() {
        return cfg;
    }

    /** Optimiser steps done. */
    public int step() {
        return step;
    }

    public long tokensSeen() {
        return tokensSeen;
    }

    /** Windows of the data stream consumed (where a resumed run continues). */
    public long windowsConsumed() {
        return windowsConsumed;
    }

    /** Test hook: run {@code System.gc()} between each step's forward pass and backward. */
    public void gcBeforeBackward(boolean on) {
        gcBeforeBackward = on;
    }

    /** The loss parts, L0 and gradient norm of one step (host values). */
    public record StepStats(int step, double lr, double loss, double kl, double mse, double downstream, double sparsity, double l0,
                            double gradNorm) {}

    /**
     * The loss of {@code batch} for the current parameters, as a scalar engine array with its parts
     * (no backward, no update). Arrays belong to the caller's scope.
     */
    public LossParts losses(NDArray tokens) {
        HookPoint hook = cfg.hook();
        NDArray mse;
        NDArray kl = null;
        NDArray ds = null;
        NDArray c;
        if (cfg.kind() == TrainKind.LOCAL) {
            Map<HookPoint, NDArray> sink = new HashMap<>();
            model.forward(tokens, Hooks.builder().capture(hook, sink).stopAt(hook).build());
            NDArray xin = sae.toInputSpace(sink.get(hook));                               // [B, T, d_in]
            c = sae.activate(sae.preActivations(xin));                                     // [B, T, d_sae]
            NDArray xhat = sae.decode(c);                                                  // [B, T, d_in]
            mse = SaeLosses.mse(xhat, xin);                                                // []
        } else {
            Map<HookPoint, NDArray> cleanActs = new HashMap<>();
            Map<HookPoint, NDArray> splicedActs = new HashMap<>();
            NDArray clean = model.forward(tokens, Hooks.capture(cfg.downstreamHooks(), cleanActs)); // [B, T, V]
            SaeSplice.Step[] seen = new SaeSplice.Step[1];
            Hooks.Builder hb = SaeSplice.of(sae).onStep(s -> seen[0] = s).hooks().toBuilder();
            for (HookPoint h : cfg.downstreamHooks()) {
                hb.capture(h, splicedActs);
            }
            NDArray spliced = model.forward(tokens, hb.build());                          // [B, T, V]
            if (seen[0] == null) {
                throw new IllegalStateException("model never called the SAE's hook " + hook);
            }
            c = seen[0].latents();                                                         // [B, T, d_sae]
            mse = SaeLosses.mse(seen[0].reconstruction(), seen[0].input());                // [] (reported, not optimised)
            kl = SaeLosses.kl(clean, spliced);                                             // []
            if (!cfg.downstreamHooks().isEmpty()) {
                NDArray sum = null;
                for (HookPoint h : cfg.downstreamHooks()) {
                    NDArray term = SaeLosses.mse(splicedActs.get(h), cleanActs.get(h));     // []
                    sum = sum == null ? term : sum.add(term);
                }
                ds = sum;
            }
        }
        NDArray sparsity = SaeLosses.sparsityNonNegative(c, invDIn);                       // [] (ReLU latents: c ≥ 0)
        NDArray total = switch (cfg.kind()) {
            case LOCAL -> mse.add(sparsity.mul(lambda));
            case E2E -> kl.mul(klCoeff).add(sparsity.mul(lambda));
            case E2E_DOWNSTREAM -> kl.mul(klCoeff).add(ds.mul(dsCoeff)).add(sparsity.mul(lambda));
        };
        return new LossParts(total, kl, mse, ds, sparsity, c);
    }

    /** Scalar engine arrays of one loss evaluation ({@code kl}/{@code downstream} null where not computed). */
    public record LossParts(NDArray total, NDArray kl, NDArray mse, NDArray downstream, NDArray sparsity, NDArray latents) {}

    /** One optimiser step on {@code batch}. */
    public StepStats step(Batch batch) {
        if (step >= schedule.totalSteps()) {
            throw new IllegalStateException("training already finished its " + schedule.totalSteps() + " steps");
        }
        if (batch.seqLen() != cfg.seq()) {
            throw new IllegalArgumentException("batch windows have " + batch.seqLen() + " tokens, expected --seq " + cfg.seq());
        }
        double lr = schedule.at(step);
        double loss;
        double kl;
        double mse;
        double ds;
        double sp;
        double l0;
        float[] fired;
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = batch.toNDArray(m);                                           // [B, T] int32, engine-owned
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                LossParts p = losses(tokens);
                if (gcBeforeBackward) {
                    System.gc();
                    System.runFinalization();
                }
                gc.backward(p.total());
                loss = p.total().getFloat();
                kl = p.kl() == null ? Double.NaN : p.kl().getFloat();
                mse = p.mse().getFloat();
                ds = p.downstream() == null ? Double.NaN : p.downstream().getFloat();
                sp = p.sparsity().getFloat();
                // Per-latent firing counts: backward has consumed the graph, so the latents' storage is free to
                // overwrite; sign(c) ∈ {0, 1} for ReLU latents (fired ⇔ c > 0), summed over tokens (float32 counts
                // are exact below 2^24 tokens per batch). No [tokens, d_sae] temporaries: at large widths these
                // allocations cost more than the arithmetic. L0 = Σ counts / tokens.
                NDArray active = p.latents().stopGradient().reshape(-1, sae.dSae()).signi(); // [B·T, d_sae] in place
                fired = active.sum(new int[] {0}).toFloatArray();                            // [d_sae]
                double total = 0;
                for (float f : fired) {
                    total += f;
                }
                l0 = total / batch.tokenCount();
            }
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("training loss is " + loss + " at step " + step + " (lr " + lr + ")");
            }
        }
        Adam.StepInfo info = adam.step(sae.parameters(), lr);
        normalizeDecoder();
        sae.invalidateCaches();
        tokensSeen += batch.tokenCount();
        windowsConsumed += batch.size();
        for (int i = 0; i < fired.length; i++) {
            if (fired[i] > 0) {
                lastFired[i] = tokensSeen;
            }
        }
        StepStats s = new StepStats(step, lr, loss, kl, mse, ds, sp, l0, info.gradNorm());
        interval.add(s);
        step++;
        return s;
    }

    /** Rescales the stored decoder rows to unit L2 norm (no gradient; grad mode is off here). */
    private void normalizeDecoder() {
        try (NDScope scope = new NDScope()) {
            NDArray w = sae.parameter("W_dec");                                            // [d_sae, d_in]
            w.divi(w.norm(new int[] {1}, true).maximum(eps12));                            // rows / ‖row‖
        }
    }

    /** Latents that have not fired within the dead window (see class doc). */
    public int deadLatents() {
        int dead = 0;
        long horizon = tokensSeen - cfg.deadWindowTokens();
        for (long f : lastFired) {
            if (f < 0 || (horizon > 0 && f <= horizon)) {
                dead++;
            }
        }
        return dead;
    }

    /**
     * Runs steps until the configured total (or until {@code stopAfterStep} steps are done, to
     * simulate an interruption; negative = no limit), drawing batches from {@code data} (which must
     * be fresh: it is advanced to this trainer's position first). Writes a checkpoint every
     * {@code checkpointEvery} steps and at the end if {@code checkpoint} is non-null; progress
     * lines go to {@code progress} (may be null).
     */
    public TrainResult run(TrainData data, Path checkpoint, PrintStream progress, int stopAfterStep) {
        if (data.consumed() != 0) {
            throw new IllegalArgumentException("run needs a fresh data stream (it has consumed " + data.consumed() + " windows)");
        }
        data.skip(windowsConsumed);
        int total = schedule.totalSteps();
        int limit = stopAfterStep >= 0 ? Math.min(total, stopAfterStep) : total;
        long t0 = System.nanoTime();
        long tokens0 = tokensSeen;
        long intervalStart = System.nanoTime();
        long intervalTokens = tokensSeen;
        while (step < limit) {
            step(data.next(cfg.batch()));
            boolean end = step == total;
            if (step % cfg.logEvery() == 0 || end) {
                last = interval;
                interval = new Metrics();
                if (progress != null) {
                    double secs = (System.nanoTime() - intervalStart) / 1e9;
                    progress.println(progressLine(secs > 0 ? (tokensSeen - intervalTokens) / secs : 0));
                    progress.flush();
                }
                intervalStart = System.nanoTime();
                intervalTokens = tokensSeen;
            }
            if (checkpoint != null && ((cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0) || step == limit)) {
                saveCheckpoint(checkpoint);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return result(secs, secs > 0 ? (tokensSeen - tokens0) / secs : 0);
    }

    private String progressLine(double tokPerSec) {
        Metrics m = last;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "step %d/%d  tokens %d  %.0f tok/s  lr %.2e  loss %.5f",
                step, schedule.totalSteps(), tokensSeen, tokPerSec, schedule.at(step - 1), m.mean(m.loss)));
        if (cfg.kind() != TrainKind.LOCAL) {
            sb.append(String.format(Locale.ROOT, "  kl %.5f", m.mean(m.kl)));
        }
        if (cfg.kind() == TrainKind.E2E_DOWNSTREAM) {
            sb.append(String.format(Locale.ROOT, "  ds_mse %.5f", m.mean(m.ds)));
        }
        sb.append(String.format(Locale.ROOT, "  mse %.5f  sparsity %.4f  L0 %.1f  dead %d/%d  |g| %.3f", m.mean(m.mse), m.mean(m.sp),
                m.mean(m.l0), deadLatents(), sae.dSae(), m.mean(m.grad)));
        return sb.toString();
    }

    /** Metrics of the last completed logging interval. */
    public TrainResult result(double seconds, double tokensPerSecond) {
        Metrics m = last.n > 0 ? last : interval;
        int dead = deadLatents();
        return new TrainResult(step, tokensSeen, seconds, tokensPerSecond, m.mean(m.loss), nanToNull(m.mean(m.kl)), m.mean(m.mse),
                nanToNull(m.mean(m.ds)), m.mean(m.sp), m.mean(m.l0), sae.dSae() - dead, dead, m.n);
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Writes the full training state to {@code path} atomically (one safetensors file). */
    public void saveCheckpoint(Path path) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        sae.hostWeights().forEach((k, v) -> t.put("param." + k, v));
        adam.hostState().forEach((k, v) -> t.put("adam." + k, v));
        t.put("last_fired", HostTensor.i64(new long[] {lastFired.length}, lastFired.clone()));
        ObjectNode state = Json.MAPPER.createObjectNode();
        state.put("step", step);
        state.put("adam_steps", adam.steps());
        state.put("tokens_seen", tokensSeen);
        state.put("windows_consumed", windowsConsumed);
        state.set("config", Json.MAPPER.valueToTree(cfg.toMap()));
        state.set("interval_metrics", interval.toJson());
        state.set("last_metrics", last.toJson());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema_version", String.valueOf(CHECKPOINT_SCHEMA_VERSION));
        meta.put("type", CHECKPOINT_TYPE);
        try {
            meta.put("state", Json.LINE.writeValueAsString(state));
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + path + ": " + e.getMessage(), e);
        }
        SafeTensors.write(path, t, meta);
    }

    @Override
    public void close() {
        try {
            adam.close();
            manager.close();
        } finally {
            sae.close();
        }
    }

    /** Running sums of step statistics (doubles, exactly restorable from JSON). */
    static final class Metrics {
        int n;
        double loss;
        double kl;
        double mse;
        double ds;
        double sp;
        double l0;
        double grad;

        void add(StepStats s) {
            n++;
            loss += s.loss();
            kl += s.kl();
            mse += s.mse();
            ds += s.downstream();
            sp += s.sparsity();
            l0 += s.l0();
            grad += s.gradNorm();
        }

        double mean(double sum) {
            return n == 0 ? Double.NaN : sum / n;
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("n", n);
            putD(o, "loss", loss);
            putD(o, "kl", kl);
            putD(o, "mse", mse);
            putD(o, "ds", ds);
            putD(o, "sp", sp);
            putD(o, "l0", l0);
            putD(o, "grad", grad);
            return o;
        }

        private static void putD(ObjectNode o, String k, double v) {
            if (Double.isNaN(v)) {
                o.putNull(k);
            } else {
                o.put(k, v);
            }
        }

        static Metrics fromJson(JsonNode o) {
            Metrics m = new Metrics();
            if (o == null) {
                return m;
            }
            m.n = o.get("n").asInt();
            m.loss = d(o, "loss");
            m.kl = d(o, "kl");
            m.mse = d(o, "mse");
            m.ds = d(o, "ds");
            m.sp = d(o, "sp");
            m.l0 = d(o, "l0");
            m.grad = d(o, "grad");
            return m;
        }

        private static double d(JsonNode o, String k) {
            JsonNode v = o.get(k);
            return v == null || v.isNull() ? Double.NaN : v.asDouble();
        }
    }
}
