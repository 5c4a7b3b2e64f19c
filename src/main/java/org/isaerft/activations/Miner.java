package org.isaerft.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Streams token sequences through model + SAE in batches and feeds the latents (and any virtual
 * latents) to {@link LatentAccumulator}s. Per batch, inside one {@link NDScope}: the model runs up
 * to the SAE's hook point and stops there, the SAE encodes, each source is copied to the host once
 * ({@code toFloatArray}), and the accumulators update in plain Java.
 */
public final class Miner {
    /** Called after every batch. */
    @FunctionalInterface
    public interface Progress {
        void update(long tokens, long sequences, double seconds);
    }

    /**
     * @param accumulators   one per source: the SAE's latents first, then each {@link LatentFunction}
     * @param modelSeconds   time in the model forward, the SAE encode and the virtual-latent functions
     *                       (including the copies to host)
     * @param seconds        wall time of the whole run
     */
    public record Result(List<LatentAccumulator> accumulators, long tokens, long sequences, double seconds, double modelSeconds,
            double forwardSeconds) {
        /** Mining throughput (excluding the reference forward passes of {@link Builder#measureForward}). */
        public double tokensPerSecond() {
            double s = seconds - forwardSeconds;
            return s > 0 ? tokens / s : 0.0;
        }

        /** Throughput of the bare forward pass (full model, logits) on the same batches; 0 unless measured. */
        public double forwardTokensPerSecond() {
            return forwardSeconds > 0 ? tokens / forwardSeconds : 0.0;
        }
    }

    private final LanguageModel model;
    private final SparseAutoencoder sae;
    private final MiningConfig config;
    private final int batchSize;
    private final int seqLen;
    private final String source;
    private final List<LatentFunction> functions;
    private final Progress progress;
    private final boolean measureForward;

    private Miner(Builder b) {
        this.model = b.model;
        this.sae = b.sae;
        this.config = b.config;
        this.batchSize = b.batchSize;
        this.seqLen = b.seqLen;
        this.source = b.source != null ? b.source : sae.hookPoint().toString();
        this.functions = List.copyOf(b.functions);
        this.progress = b.progress;
        this.measureForward = b.measureForward;
        if (seqLen > model.config().contextLength()) {
            throw new IllegalArgumentException("mining: sequence length " + seqLen + " exceeds the model's context length "
                    + model.config().contextLength());
        }
        if (!model.hookPoints().contains(sae.hookPoint())) {
            throw new IllegalArgumentException("mining: the model (" + model.config().modelType() + ") has no hook point "
                    + sae.hookPoint() + " for SAE " + sae.id());
        }
    }

    public static Builder builder(LanguageModel model, SparseAutoencoder sae) {
        return new Builder(model, sae);
    }

    public String source() {
        return source;
    }

    /** Fresh accumulators for this miner's sources (SAE first, then the functions). */
    public List<LatentAccumulator> newAccumulators() {
        List<LatentAccumulator> accs = new ArrayList<>();
        accs.add(new LatentAccumulator(source, sae.dSae(), config));
        for (LatentFunction f : functions) {
            accs.add(new LatentAccumulator(f.source(), f.width(), config));
        }
        return accs;
    }

    /** Mines every sequence of {@code sequences} (each at most the miner's sequence length). */
    public Result mine(Iterator<TokenSequence> sequences) {
        List<LatentAccumulator> accs = newAccumulators();
        long t0 = System.nanoTime();
        long modelNanos = 0;
        long[] forwardNanos = {0};
        long tokens = 0;
        long nSeq = 0;
        List<TokenSequence> batch = new ArrayList<>(batchSize);
        while (sequences.hasNext()) {
            batch.clear();
            while (batch.size() < batchSize && sequences.hasNext()) {
                TokenSequence s = sequences.next();
                if (s.length() > seqLen) {
                    throw new IllegalArgumentException("mining: sequence of document " + s.document() + " at offset " + s.offset()
                            + " has " + s.length() + " tokens, more than the sequence length " + seqLen);
                }
                batch.add(s);
            }
            modelNanos += mineBatch(batch, accs, forwardNanos);
            for (TokenSequence s : batch) {
                tokens += s.minedLength();
            }
            nSeq += batch.size();
            if (progress != null) {
                progress.update(tokens, nSeq, (System.nanoTime() - t0) / 1e9);
            }
        }
        return new Result(accs, tokens, nSeq, (System.nanoTime() - t0) / 1e9, modelNanos / 1e9, forwardNanos[0] / 1e9);
    }

    /** One batch; returns the nanoseconds spent in the engine (forward, encode, functions, copies to host). */
    private long mineBatch(List<TokenSequence> batch, List<LatentAccumulator> accs, long[] forwardNanos) {
        int b = batch.size();
        int t = 0;
        for (TokenSequence s : batch) {
            t = Math.max(t, s.length());
        }
        int[] flat = new int[b * t]; // right-padded with id 0: causal attention, so padding never affects real positions
        for (int i = 0; i < b; i++) {
            int[] ids = batch.get(i).tokens();
            System.arraycopy(ids, 0, flat, i * t, ids.length);
        }
        long e0 = System.nanoTime();
        List<float[]> host = new ArrayList<>(accs.size());
        HookPoint hp = sae.hookPoint();
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = m.create(flat, new Shape(b, t));                         // [B, T] int32
            if (measureForward) {
                long f0 = System.nanoTime();
                try (NDScope inner = new NDScope()) {
                    model.forward(tokens);                                             // [B, T, V]: the bare reference pass (eager)
                }
                forwardNanos[0] += System.nanoTime() - f0;
                e0 = System.nanoTime();
            }
            Map<HookPoint, NDArray> sink = new HashMap<>();
            Hooks hooks = Hooks.builder().capture(hp, sink).stopAt(hp).build();
            model.forward(tokens, hooks);
            NDArray x = Objects.requireNonNull(sink.get(hp), "model did not call hook " + hp); // [B, T, dIn]
            NDArray latents = sae.encode(x);                                           // [B, T, dSae]
            host.add(latentMajor(checked(latents, b, t, sae.dSae(), source)));
            for (LatentFunction f : functions) {
                NDArray v = f.apply(latents);                                          // [B, T, n]
                host.add(latentMajor(checked(v, b, t, f.width(), f.source())));
            }
        }
        long engine = System.nanoTime() - e0;
        int[] row0 = new int[b];
        for (int i = 0; i < b; i++) {
            row0[i] = i * t;
        }
        for (int a = 0; a < accs.size(); a++) {
            accs.get(a).addBatch(batch, row0, host.get(a), b * t);
        }
        return engine;
    }

    /** values [B, T, n] → host floats latent-major: element (j, row) at j·B·T + row (the engine transposes, one copy). */
    private static float[] latentMajor(NDArray v) {
        Shape s = v.getShape();
        long rows = s.get(0) * s.get(1);
        return v.reshape(rows, s.get(2)).transpose().toFloatArray();                  // [n, B*T]
    }

    private static NDArray checked(NDArray v, int b, int t, int n, String what) {
        Shape expected = new Shape(b, t, n);
        if (!v.getShape().equals(expected)) {
            throw new IllegalStateException("mining " + what + ": expected values " + expected + ", found " + v.getShape());
        }
        return v.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? v
                : v.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    }

    /**
     * Logit lens of every SAE latent (decoder rows through final norm and unembedding) and of every
     * function with directions; null entries where the direction is not in the residual stream.
     */
    public List<LogitLens[]> logitLenses(int top) {
        List<LogitLens[]> out = new ArrayList<>();
        boolean residual = sae.dIn() == model.config().dModel();
        try (NDScope scope = new NDScope()) {
            out.add(residual ? LogitLenses.compute(model, sae.decoderDirections(), top, 256) : null);
            for (LatentFunction f : functions) {
                out.add(residual && f.directions().isPresent() ? LogitLenses.compute(model, f.directions().get(), top, 256) : null);
            }
        }
        return out;
    }

    /** Builder: defaults are {@link MiningConfig#DEFAULT}, batch 8, sequence length 128 (capped at the model's context). */
    public static final class Builder {
        private final LanguageModel model;
        private final SparseAutoencoder sae;
        private MiningConfig config = MiningConfig.DEFAULT;
        private int batchSize = 8;
        private int seqLen;
        private String source;
        private final List<LatentFunction> functions = new ArrayList<>();
        private Progress progress;
        private boolean measureForward;

        private Builder(LanguageModel model, SparseAutoencoder sae) {
            this.model = Objects.requireNonNull(model, "model");
            this.sae = Objects.requireNonNull(sae, "sae");
            this.seqLen = Math.min(128, model.config().contextLength());
        }

        public Builder config(MiningConfig c) {
            this.config = Objects.requireNonNull(c);
            return this;
        }

        public Builder batchSize(int b) {
            if (b < 1) {
                throw new IllegalArgumentException("mining: batch size must be >= 1, found " + b);
            }
            this.batchSize = b;
            return this;
        }

        public Builder seqLen(int t) {
            if (t < 1) {
                throw new IllegalArgumentException("mining: sequence length must be >= 1, found " + t);
            }
            this.seqLen = t;
            return this;
        }

        /** Source name of the SAE latents' ids (default: the SAE's hook point, e.g. blocks.1.hook_resid_pre). */
        public Builder source(String s) {
            this.source = s;
            return this;
        }

        public Builder add(LatentFunction f) {
            functions.add(Objects.requireNonNull(f));
            return this;
        }

        public Builder progress(Progress p) {
            this.progress = p;
            return this;
        }

        /**
         * Also runs the bare forward pass (full model to logits) on every batch and times
         * it separately (logits stay in the engine), for the mining-vs-forward benchmark. Off by default (it doubles the work).
         */
        public Builder measureForward(boolean on) {
            this.measureForward = on;
            return this;
        }

        public Miner build() {
            return new Miner(this);
        }
    }
}
