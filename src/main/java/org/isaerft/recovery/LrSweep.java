package org.isaerft.recovery;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.Adapter;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.Adapters;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Learning-rate sweep of every component on one task, with the residual steering vector ({@link IdentitySae}
 * + bias, d_model parameters) as the baseline, plus bias adapters with an L1 penalty. Per run: held-out
 * loss (base and adapted, on up to {@code evalWindows} windows), final training loss (mean of the last
 * 20 steps), and for per-latent components how dense the change is (fraction of |θ_i| &gt; 0.01).
 */
public final class LrSweep {
    private LrSweep() {}

    /** One sweep point. {@code component} "steering_vector" is the residual baseline. */
    public record Point(String component, double lr, double l1, int params, double baseHeldout, double adaptedHeldout,
            double finalTrainLoss, int heldoutWindows, Double denseFraction, double seconds) {}

    public static List<Point> run(LanguageModel model, SparseAutoencoder sae, TaskDataset data, Map<String, List<Double>> lrs,
            List<Double> biasL1, double biasL1Lr, TrainConfig base, PrintStream log) {
        List<Point> out = new ArrayList<>();
        try (IdentitySae id = new IdentitySae(model.manager(), sae.hookPoint(), sae.dIn())) {
            for (var e : lrs.entrySet()) {
                for (double lr : e.getValue()) {
                    boolean sv = e.getKey().equals("steering_vector");
                    AdapterKind k = sv ? AdapterKind.BIAS : AdapterKind.valueOf(e.getKey().toUpperCase(java.util.Locale.ROOT));
                    out.add(one(model, sv ? id : sae, e.getKey(), k, lr, 0, base, data, log));
                }
            }
            for (double l1 : biasL1) {
                out.add(one(model, sae, "bias", AdapterKind.BIAS, biasL1Lr, l1, base, data, log));
            }
        }
        return out;
    }

    private static Point one(LanguageModel model, SparseAutoencoder sae, String name, AdapterKind k, double lr, double l1, TrainConfig base,
            TaskDataset data, PrintStream log) {
        TrainConfig c = TrainConfig.builder().component(k).hidden(base.hidden()).lr(lr).l1(l1).steps(base.steps()).batch(base.batch())
                .seq(base.seq()).seed(base.seed()).evalWindows(base.evalWindows()).logEvery(Integer.MAX_VALUE).build();
        AdapterTrainer.Result r = new AdapterTrainer(model, sae, c, new PrintStream(OutputStream.nullOutputStream())).train(data);
        try (Adapter a = r.adapter()) {
            var curve = r.lossCurve();
            double last = curve.subList(Math.max(0, curve.size() - 20), curve.size()).stream()
                    .mapToDouble(AdapterTrainer.LossPoint::taskLoss).average().orElse(Double.NaN);
            Double dense = null;
            if (k != AdapterKind.FFNN) {
                float[] p = Adapters.snapshot(a).values().iterator().next();
                int n = 0;
                for (float x : p) {
                    n += Math.abs(x) > 0.01 ? 1 : 0;
                }
                dense = (double) n / p.length;
            }
            Point pt = new Point(name, lr, l1, (int) a.trainableParams(), r.baseTaskLoss(), r.adaptedTaskLoss(), last, r.heldoutWindows(),
                    dense, r.seconds());
            log.printf("lr-sweep: %s lr %s l1 %s: held-out %.4f -> %.4f, train(last 20) %.4f, %d windows, dense %s (%.0fs)%n", name, lr,
                    l1, pt.baseHeldout(), pt.adaptedHeldout(), last, pt.heldoutWindows(), dense, r.seconds());
            return pt;
        }
    }

    /** The lr with the lowest held-out loss per component (L1 runs excluded). */
    public static Map<String, Double> best(List<Point> points) {
        Map<String, Point> best = new LinkedHashMap<>();
        for (Point p : points) {
            if (p.l1() == 0 && (!best.containsKey(p.component()) || p.adaptedHeldout() < best.get(p.component()).adaptedHeldout())) {
                best.put(p.component(), p);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        best.forEach((k, v) -> out.put(k, v.lr()));
        return out;
    }
}
