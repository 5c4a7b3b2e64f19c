package org.isaerft.adapter;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.task.TaskCorpus;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Trains an adapter on a task's texts with the LM and the SAE frozen: next-token cross-entropy on
 * training windows (SFT), plus optionally λ·Σ|θ| and w·KL(base ‖ adapted) on neutral text, with
 * Adam. Each step runs in its own {@link NDScope}; the optimizer update runs after it. Then
 * measures held-out task loss (base and adapted) and the per-latent {@link ChangeSummary}.
 */
public final class AdapterTrainer {
    private final LanguageModel model;
    private final SparseAutoencoder sae;
    private final TrainConfig cfg;
    private final PrintStream progress;
    private Runnable beforeBackward = () -> {};

    /** One logged point of the loss curve. */
    public record LossPoint(int step, double taskLoss, double total, double gradNorm) {}

    /**
     * What a run produced. The caller owns (and closes) the adapter.
     *
     * @param initial parameters at initialisation (host copies), for change-from-init measures
     */
    public record Result(Adapter adapter, Map<String, float[]> initial, List<LossPoint> lossCurve, int steps,
            double baseTaskLoss, double adaptedTaskLoss, long trainTokens, int trainWindows, int heldoutWindows,
            ChangeSummary changeSummary, double seconds) {}

    public AdapterTrainer(LanguageModel model, SparseAutoencoder sae, TrainConfig cfg, PrintStream progress) {
        org.isaerft.sae.SaeSplice.check(sae, model);
        this.model = model;
        this.sae = sae;
        this.cfg = cfg;
        this.progress = progress;
    }

    /** Test hook: runs between the forward pass and backward (e.g. a forced GC). */
    public AdapterTrainer beforeBackward(Runnable r) {
        this.beforeBackward = r;
        return this;
    }

    public Result train(TaskDataset data) {
        long t0 = System.nanoTime();
        var tok = model.tokenizer();
        TokenWindows train = TokenWindows.of(data.train().stream().map(TaskDataset.Document::text).toList(), tok, cfg.seq());
        TokenWindows held = TokenWindows.of(data.heldout().stream().map(TaskDataset.Document::text).toList(), tok, cfg.seq());
        if (train.size() == 0 || held.size() == 0) {
            throw new IllegalArgumentException("task '" + data.task() + "': too little text for windows of " + cfg.seq()
                    + " tokens (train " + train.tokens() + " tokens, held-out " + held.tokens() + ")");
        }
        TokenWindows neutral = null;
        if (cfg.klWeight() > 0) {
            neutral = TokenWindows.of(TaskCorpus.split(TaskCorpus.readText(cfg.klText()), "paragraphs"), tok, cfg.seq());
            if (neutral.size() == 0) {
                throw new IllegalArgumentException("--kl-text " + cfg.klText() + ": too little text for one window of " + cfg.seq());
            }
        }
        int nHeld = Math.min(held.size(), cfg.evalWindows());
        int[] heldIdx = new int[nHeld];
        for (int i = 0; i < nHeld; i++) {
            heldIdx[i] = i;
        }
        int stepsPerEpoch = (train.size() + cfg.batch() - 1) / cfg.batch();
        int steps = cfg.epochs() > 0 ? cfg.epochs() * stepsPerEpoch : cfg.steps();

        double base = evalLoss(Hooks.none(), held, heldIdx);
        progress.printf("adapter: task %s, %s on %s (%s), %d train windows × %d tokens, %d held-out, base held-out loss %.4f%n",
                data.task(), cfg.component().id(), sae.id(), sae.hookPoint(), train.size(), cfg.seq(), nHeld, base);

        Adapter adapter = Adapters.create(model.manager(), new Adapters.Spec(cfg.component(), sae.dSae(), cfg.hidden(), cfg.act(), cfg.seed()));
        Map<String, float[]> initial = Adapters.snapshot(adapter);
        List<LossPoint> curve = new ArrayList<>();
        try {
            adapter.requireGradients(true);
            Hooks hooks = AdapterSplice.hooks(sae, adapter);
            Random rng = new Random(cfg.seed());
            int[] perm = permutation(train.size(), rng);
            int pos = 0;
            Random klRng = new Random(cfg.seed() + 1);
            try (AdapterAdam adam = new AdapterAdam(model.manager(), adapter.parameters(), cfg.lr())) {
                for (int step = 1; step <= steps; step++) {
                    int[] idx = new int[Math.min(cfg.batch(), train.size())];
                    for (int i = 0; i < idx.length; i++) {
                        if (pos == perm.length) {
                            perm = permutation(train.size(), rng);
                            pos = 0;
                        }
                        idx[i] = perm[pos++];
                    }
                    int[] klIdx = null;
                    if (neutral != null) {
                        klIdx = new int[Math.min(cfg.batch(), neutral.size())];
                        for (int i = 0; i < klIdx.length; i++) {
                            klIdx[i] = klRng.nextInt(neutral.size());
                        }
                    }
                    double[] losses = step(hooks, adapter, train, idx, neutral, klIdx);
                    if (!Double.isFinite(losses[1])) {
                        throw new IllegalStateException("adapter training diverged at step " + step + ": loss " + losses[1]
                                + " (lower --lr?)");
                    }
                    double gnorm = adam.step(adapter.parameters());
                    curve.add(new LossPoint(step, losses[0], losses[1], gnorm));
                    if (step % cfg.logEvery() == 0 || step == steps) {
                        progress.printf("adapter: step %d/%d  task loss %.4f  total %.4f  |grad| %.3g%n", step, steps, losses[0],
                                losses[1], gnorm);
                    }
                }
            }
            adapter.requireGradients(false);
            double adapted = evalLoss(hooks, held, heldIdx);
            ChangeSummary summary = changeSummary(data.task(), adapter, initial, held, heldIdx);
            progress.printf("adapter: held-out task loss base %.4f → adapted %.4f%n", base, adapted);
            return new Result(adapter, initial, curve, steps, base, adapted, (long) train.size() * cfg.seq(), train.size(), nHeld,
                    summary, (System.nanoTime() - t0) / 1e9);
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    /** One forward/backward; returns {task CE, total loss}. Gradients are left on the parameters. */
    private double[] step(Hooks hooks, Adapter adapter, TokenWindows train, int[] idx, TokenWindows neutral, int[] klIdx) {
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            int[] flat = train.batch(idx);
            NDArray view = m.create(flat, new Shape(idx.length, train.seq()));          // [B, T] (view of flat)
            NDArray tokens = view.duplicate();                                          // [B, T] engine-owned
            NDArray nView = null;
            NDArray nTokens = null;
            double task;
            double total;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ce = model.tokenLoss(tokens, hooks).mean();                     // []
                NDArray loss = ce;
                if (cfg.l1() > 0) {
                    loss = loss.add(adapter.l1Penalty(m, cfg.l1()));                    // []
                }
                if (neutral != null) {
                    nView = m.create(neutral.batch(klIdx), new Shape(klIdx.length, neutral.seq()));
                    nTokens = nView.duplicate();                                        // [B, T]
                    NDArray logp = model.forward(nTokens).logSoftmax(-1).stopGradient(); // [B, T, V] base
                    NDArray logq = model.forward(nTokens, hooks).logSoftmax(-1);        // [B, T, V] adapted
                    NDArray kl = logp.exp().mul(logp.sub(logq)).sum(new int[] {-1}).mean(); // []
                    NDArray w = m.full(new Shape(), (float) cfg.klWeight(), DataType.FLOAT32);
                    loss = loss.add(kl.mul(w));                                         // []
                }
                beforeBackward.run();
                gc.backward(loss);
                task = ce.getFloat();
                total = loss.getFloat();
            }
            Reference.reachabilityFence(flat);
            Reference.reachabilityFence(view);
            Reference.reachabilityFence(nView);
            Reference.reachabilityFence(nTokens);
            return new double[] {task, total};
        }
    }

    /** Mean next-token loss over windows {@code idx}. */
    double evalLoss(Hooks hooks, TokenWindows w, int[] idx) {
        double sum = 0;
        long n = 0;
        for (int start = 0; start < idx.length; start += cfg.batch()) {
            int[] part = Arrays.copyOfRange(idx, start, Math.min(idx.length, start + cfg.batch()));
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                NDArray tokens = m.create(w.batch(part), new Shape(part.length, w.seq())).duplicate(); // [b, T]
                NDArray loss = model.tokenLoss(tokens, hooks);                                      // [b, T-1]
                sum += loss.sum().getFloat();
                n += loss.getShape().size();
            }
        }
        return sum / n;
    }

    /** Measures c and c' on held-out windows and builds the summary. */
    ChangeSummary changeSummary(String task, Adapter adapter, Map<String, float[]> initial, TokenWindows w, int[] idx) {
        int d = adapter.dSae();
        double[] sumDelta = new double[d];
        double[] sumAbs = new double[d];
        double[] sumBase = new double[d];
        long[] fired = new long[d];
        long tokens = 0;
        var bos = model.tokenizer().bosId();
        for (int start = 0; start < idx.length; start += cfg.batch()) {
            int[] part = Arrays.copyOfRange(idx, start, Math.min(idx.length, start + cfg.batch()));
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                int[] flat = w.batch(part);
                NDArray toks = m.create(flat, new Shape(part.length, w.seq())).duplicate();        // [b, T]
                NDArray[] sink = new NDArray[2];
                Hooks rec = AdapterSplice.recordingHooks(sae, adapter, sink).toBuilder().stopAt(sae.hookPoint()).build();
                model.forward(toks, rec);
                float[] c = sink[0].toFloatArray();                                                 // [b·T·d]
                float[] c2 = sink[1].toFloatArray();                                                // [b·T·d]
                for (int t = 0; t < flat.length; t++) {
                    if (bos.isPresent() && flat[t] == bos.getAsInt()) {
                        continue;
                    }
                    tokens++;
                    int o = t * d;
                    for (int i = 0; i < d; i++) {
                        double delta = c2[o + i] - c[o + i];
                        sumDelta[i] += delta;
                        sumAbs[i] += Math.abs(delta);
                        sumBase[i] += c[o + i];
                        if (c[o + i] > 0) {
                            fired[i]++;
                        }
                    }
                }
            }
        }
        Map<String, float[]> p = Adapters.snapshot(adapter);
        List<ChangeSummary.LatentChange> out = new ArrayList<>(d);
        for (int i = 0; i < d; i++) {
            double md = sumDelta[i] / Math.max(1, tokens);
            double ma = sumAbs[i] / Math.max(1, tokens);
            double mb = sumBase[i] / Math.max(1, tokens);
            double fb = (double) fired[i] / Math.max(1, tokens);
            switch (adapter.kind()) {
                case SCALE -> out.add(new ChangeSummary.LatentChange(i, p.get("s")[i], null, null, null, null, md, ma, mb, fb));
                case BIAS -> out.add(new ChangeSummary.LatentChange(i, p.get("b")[i], null, null, null, null, md, ma, mb, fb));
                case FFNN -> {
                    FfnnAdapter f = (FfnnAdapter) adapter;
                    int h = f.hidden();
                    float[] w1 = p.get("W1");
                    float[] w10 = initial.get("W1");
                    float[] w2 = p.get("W2");
                    double col = 0;
                    double colChange = 0;
                    for (int j = 0; j < h; j++) {
                        double x = w1[j * d + i];
                        col += x * x;
                        double dx = x - w10[j * d + i];
                        colChange += dx * dx;
                    }
                    double row = 0;
                    for (int j = 0; j < h; j++) {
                        double x = w2[i * h + j];
                        row += x * x;
                    }
                    double b2 = p.get("b2")[i];
                    out.add(new ChangeSummary.LatentChange(i, Math.sqrt(row) + Math.abs(b2), Math.sqrt(col), Math.sqrt(colChange),
                            Math.sqrt(row), b2, md, ma, mb, fb));
                }
            }
        }
        out.sort(Comparator.comparingDouble((ChangeSummary.LatentChange l) -> -l.meanAbsDelta())
                .thenComparingInt(ChangeSummary.LatentChange::latent));
        return new ChangeSummary(ChangeSummary.SCHEMA_VERSION, task, adapter.kind().id(), sae.id(), sae.hookPoint().name(),
                ChangeSummary.RANK_BY, tokens, out);
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
