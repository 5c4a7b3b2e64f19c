package org.isaerft.adapter;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * A deliberately simple local SAE trainer, the adapters' fallback when no trained SAE for the
 * model is at hand: a SAELens "standard" ReLU SAE, c = ReLU((x − b_dec) W_enc + b_enc),
 * x̂ = c W_dec + b_dec, trained on cached activations with
 * {@code loss = mean_tokens ‖x̂ − x‖² + λ · mean_tokens Σ_i c_i ‖W_dec[i]‖} (SAELens' L1 with
 * decoder norms), Adam, seeded. Activations at BOS positions are skipped. W_dec rows start as
 * random unit vectors, W_enc = W_decᵀ, b_dec = the data mean, b_enc = 0. Saved in SAELens layout
 * ({@code cfg.json} + {@code sae_weights.safetensors}) plus {@code isaerft_training.json}.
 * For the project's real SAE trainers (local, e2e, downstream) see the {@code sae} package.
 */
public final class QuickSae {
    private QuickSae() {}

    /** Options; see the class comment. */
    public record Options(HookPoint hook, int dSae, double l1, double lr, int steps, int batchTokens, long seed, String modelName) {}

    /** Training outcome, measured on held-out activations. */
    public record Metrics(double mse, double explainedVariance, double l0, int dead, long trainTokens, long evalTokens) {}

    /**
     * Activations [N, dIn] at {@code hook} for the token windows, BOS positions dropped.
     */
    public static float[][] collect(LanguageModel model, HookPoint hook, TokenWindows windows, int batch) {
        int d = model.config().width(hook);
        List<float[]> rows = new ArrayList<>();
        var bos = model.tokenizer().bosId();
        for (int start = 0; start < windows.size(); start += batch) {
            int n = Math.min(batch, windows.size() - start);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = start + i;
            }
            try (NDScope s = new NDScope(); NDManager m = model.manager().newSubManager()) {
                int[] flat = windows.batch(idx);
                NDArray toks = m.create(flat, new Shape(n, windows.seq())).duplicate();   // [n, T]
                Map<HookPoint, NDArray> sink = new HashMap<>();
                model.forward(toks, Hooks.capture(List.of(hook), sink).toBuilder().stopAt(hook).build());
                float[] a = sink.get(hook).toFloatArray();                                // [n·T·d]
                for (int t = 0; t < flat.length; t++) {
                    if (bos.isPresent() && flat[t] == bos.getAsInt()) {
                        continue;
                    }
                    float[] r = new float[d];
                    System.arraycopy(a, t * d, r, 0, d);
                    rows.add(r);
                }
            }
        }
        return rows.toArray(new float[0][]);
    }

    /** Trains on {@code train}, evaluates on {@code eval}, writes the SAE into {@code out}. */
    public static Metrics train(NDManager parent, float[][] train, float[][] eval, Options o, Path out, PrintStream progress) {
        int dIn = train[0].length;
        int n = o.dSae();
        SplittableRandom rng = new SplittableRandom(o.seed());
        float[] wDec = new float[n * dIn];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < dIn; j++) {
                double u1 = Math.max(1e-12, rng.nextDouble());
                double g = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.nextDouble());
                wDec[i * dIn + j] = (float) g;
                norm += g * g;
            }
            for (int j = 0; j < dIn; j++) {
                wDec[i * dIn + j] /= (float) Math.sqrt(norm);
            }
        }
        float[] wEnc = new float[dIn * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dIn; j++) {
                wEnc[j * n + i] = wDec[i * dIn + j];
            }
        }
        float[] mean = new float[dIn];
        for (float[] r : train) {
            for (int j = 0; j < dIn; j++) {
                mean[j] += r[j] / train.length;
            }
        }
        try (NDManager m = parent.newSubManager()) {
            Map<String, NDArray> p = new LinkedHashMap<>();
            p.put("W_enc", Params.owned(m, wEnc, new Shape(dIn, n)));
            p.put("b_enc", Params.owned(m, new float[n], new Shape(n)));
            p.put("W_dec", Params.owned(m, wDec, new Shape(n, dIn)));
            p.put("b_dec", Params.owned(m, mean, new Shape(dIn)));
            p.values().forEach(a -> a.setRequiresGradient(true));
            try (Adam adam = new Adam(m, p, o.lr())) {
                for (int step = 1; step <= o.steps(); step++) {
                    float[] flat = new float[o.batchTokens() * dIn];
                    for (int i = 0; i < o.batchTokens(); i++) {
                        System.arraycopy(train[rng.nextInt(train.length)], 0, flat, i * dIn, dIn);
                    }
                    double[] parts;
                    try (NDScope s = new NDScope(); NDManager sm = m.newSubManager()) {
                        NDArray view = sm.create(flat, new Shape(o.batchTokens(), dIn));
                        NDArray x = view.duplicate();                                       // [B, dIn]
                        NDArray lam = sm.full(new Shape(), (float) o.l1(), DataType.FLOAT32);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray c = Activation.relu(x.sub(p.get("b_dec")).matMul(p.get("W_enc")).add(p.get("b_enc"))); // [B, n]
                            NDArray xh = c.matMul(p.get("W_dec")).add(p.get("b_dec"));     // [B, dIn]
                            NDArray mse = xh.sub(x).square().sum(new int[] {1}).mean();    // []
                            NDArray norms = p.get("W_dec").square().sum(new int[] {1}).sqrt(); // [n]
                            NDArray sparsity = c.mul(norms).sum(new int[] {1}).mean();     // []
                            NDArray loss = mse.add(sparsity.mul(lam));                     // []
                            gc.backward(loss);
                            parts = new double[] {mse.getFloat(), sparsity.getFloat()};
                        }
                        Reference.reachabilityFence(flat);
                        Reference.reachabilityFence(view);
                    }
                    adam.step(p);
                    if (step % 100 == 0 || step == o.steps()) {
                        progress.printf("quick-sae: step %d/%d  mse %.5f  l1 %.4f%n", step, o.steps(), parts[0], parts[1]);
                    }
                }
            }
            p.values().forEach(a -> a.setRequiresGradient(false));
            Metrics metrics = evaluate(m, p, eval, train.length);
            write(out, p, o, metrics);
            return metrics;
        }
    }

    private static Metrics evaluate(NDManager parent, Map<String, NDArray> p, float[][] eval, long trainTokens) {
        int dIn = eval[0].length;
        int n = (int) p.get("b_enc").getShape().get(0);
        double se = 0;
        double l0 = 0;
        boolean[] fired = new boolean[n];
        double[] mean = new double[dIn];
        for (float[] r : eval) {
            for (int j = 0; j < dIn; j++) {
                mean[j] += r[j] / eval.length;
            }
        }
        double var = 0;
        for (float[] r : eval) {
            for (int j = 0; j < dIn; j++) {
                var += (r[j] - mean[j]) * (r[j] - mean[j]);
            }
        }
        int chunk = 4096;
        for (int start = 0; start < eval.length; start += chunk) {
            int k = Math.min(chunk, eval.length - start);
            float[] flat = new float[k * dIn];
            for (int i = 0; i < k; i++) {
                System.arraycopy(eval[start + i], 0, flat, i * dIn, dIn);
            }
            try (NDScope s = new NDScope(); NDManager m = parent.newSubManager()) {
                NDArray x = m.create(flat, new Shape(k, dIn)).duplicate();                          // [k, dIn]
                NDArray c = Activation.relu(x.sub(p.get("b_dec")).matMul(p.get("W_enc")).add(p.get("b_enc"))); // [k, n]
                NDArray xh = c.matMul(p.get("W_dec")).add(p.get("b_dec"));                         // [k, dIn]
                se += xh.sub(x).square().sum().getFloat();
                float[] cv = c.toFloatArray();
                for (int i = 0; i < cv.length; i++) {
                    if (cv[i] > 0) {
                        l0++;
                        fired[i % n] = true;
                    }
                }
            }
        }
        int dead = 0;
        for (boolean f : fired) {
            dead += f ? 0 : 1;
        }
        return new Metrics(se / eval.length, 1 - se / var, l0 / eval.length, dead, trainTokens, eval.length);
    }

    private static void write(Path out, Map<String, NDArray> p, Options o, Metrics metrics) {
        try {
            Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + out, e);
        }
        Map<String, HostTensor> w = new LinkedHashMap<>();
        p.forEach((k, v) -> w.put(k, HostTensor.of(v)));
        SafeTensors.write(out.resolve("sae_weights.safetensors"), w, Map.of("format", "pt"));
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("architecture", "standard");
        cfg.put("d_in", (int) p.get("b_dec").getShape().get(0));
        cfg.put("d_sae", o.dSae());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("model_name", o.modelName());
        cfg.put("hook_name", o.hook().name());
        cfg.put("hook_layer", o.hook().layer());
        cfg.put("hook_head_index", null);
        cfg.put("activation_fn_str", "relu");
        cfg.put("activation_fn_kwargs", Map.of());
        cfg.put("apply_b_dec_to_input", true);
        cfg.put("finetuning_scaling_factor", false);
        cfg.put("normalize_activations", "none");
        cfg.put("context_size", 128);
        cfg.put("prepend_bos", true);
        cfg.put("dataset_path", "");
        cfg.put("model_from_pretrained_kwargs", Map.of());
        cfg.put("neuronpedia_id", null);
        Json.writeFile(out.resolve("cfg.json"), cfg);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("schema_version", 1);
        meta.put("type", "isaerft.quick_sae");
        meta.put("trainer", "org.isaerft.adapter.QuickSae (local: MSE + λ·Σ c_i‖W_dec[i]‖, Adam; fallback for adapter evidence)");
        meta.put("options", o);
        meta.put("metrics_heldout", metrics);
        meta.put("versions", Versions.all());
        Json.writeFile(out.resolve("isaerft_training.json"), meta);
    }

    /**
     * {@code java -cp target/isaerft.jar org.isaerft.adapter.QuickSae MODEL_DIR OUT_DIR HOOK D_SAE L1 STEPS WINDOWS SEED}:
     * activations from the first WINDOWS 128-token windows of the (re-cased) TinyStories stories in
     * ../shared/corpora/tinystories (the last 10% of stories are held out for the metrics).
     */
    public static void main(String[] args) {
        if (args.length != 8) {
            System.err.println("usage: QuickSae MODEL_DIR OUT_DIR HOOK D_SAE L1 STEPS WINDOWS SEED");
            System.exit(2);
        }
        Path shared = org.isaerft.adapter.task.TaskCards.sharedRoot().resolve("corpora/tinystories");
        var rc = org.isaerft.adapter.task.Recaser.fromReference(
                org.isaerft.adapter.task.Corpus.readText(shared.resolve("tinystories-sample.txt")));
        List<String> docs = new ArrayList<>();
        for (String d : org.isaerft.adapter.task.Corpus.split(
                org.isaerft.adapter.task.Corpus.readText(shared.resolve("tinystories-lowercased.txt")), "stories")) {
            docs.add(rc.recase(d));
        }
        int cut = (int) (docs.size() * 0.9);
        HookPoint hook = HookPoint.parse(args[2]);
        try (NDManager root = NDManager.newBaseManager();
                LanguageModel lm = org.isaerft.model.ModelFamilies.load(Path.of(args[0]), root)) {
            int windows = Integer.parseInt(args[6]);
            TokenWindows tw = TokenWindows.of(docs.subList(0, cut), lm.tokenizer(), 128);
            TokenWindows ew = TokenWindows.of(docs.subList(cut, docs.size()), lm.tokenizer(), 128);
            int[] idx = new int[Math.min(windows, tw.size())];
            float[][] train = collect(lm, hook, subset(tw, idx.length), 16);
            float[][] eval = collect(lm, hook, subset(ew, Math.min(64, ew.size())), 16);
            System.err.printf("quick-sae: %d train and %d held-out activations at %s%n", train.length, eval.length, hook);
            Path modelDir = Path.of(args[0]).toAbsolutePath().normalize();
            Options o = new Options(hook, Integer.parseInt(args[3]), Double.parseDouble(args[4]), Double.parseDouble(System.getProperty("quicksae.lr", "3e-3")), Integer.parseInt(args[5]), 1024,
                    Long.parseLong(args[7]), modelDir.getFileName().toString());
            Metrics m = train(root, train, eval, o, Path.of(args[1]), System.err);
            System.out.println(Json.write(m));
        }
    }

    private static TokenWindows subset(TokenWindows w, int n) {
        return w.firstWindows(n);
    }
}
