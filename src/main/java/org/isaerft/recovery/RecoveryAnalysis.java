package org.isaerft.recovery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.isaerft.score.MultipleTesting;
import org.isaerft.score.ScoreMath;
import org.isaerft.validate.Comparison;
import org.isaerft.validate.Recovery;

/**
 * Summaries of {@link RecoveryBenchmark.Result}: per strength × SAE × component, recall@k of the right
 * answer (averaged over seeds per task, then over tasks, with a bootstrap 95% CI over tasks) next to
 * its chance level k/d_alive, the random-latent plant and the unsteered twin; the paired difference
 * of each SAE against {@code local} over tasks (two-sided sign-flip test: exact up to 22 tasks, else
 * 20,000 seeded flips), its bootstrap power at α = 0.05, and Benjamini–Hochberg q-values over all
 * paired tests.
 */
public final class RecoveryAnalysis {
    public static final double ALPHA = 0.05;

    private RecoveryAnalysis() {}

    public static Map<String, Object> analyse(RecoveryBenchmark.Result r) {
        var o = r.options();
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> cells = new ArrayList<>();
        // cell key: control|strength|sae|component → task → per-seed runs
        Map<String, Map<Integer, List<RecoveryBenchmark.Run>>> groups = new TreeMap<>();
        for (RecoveryBenchmark.Run run : r.runs()) {
            if (!run.matched()) {
                continue;
            }
            String key = (run.control() ? "control" : "steered") + "|" + run.strength() + "|" + run.sae() + "|" + run.component();
            groups.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(run.task(), k -> new ArrayList<>()).add(run);
        }
        for (var g : groups.entrySet()) {
            String[] k = g.getKey().split("\\|");
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("kind", k[0]);
            c.put("strength", Double.parseDouble(k[1]));
            c.put("sae", k[2]);
            c.put("component", k[3]);
            c.put("tasks", g.getValue().size());
            int dAlive = r.dAlive().get(k[2]);
            c.put("d_alive", dAlive);
            for (int by = 0; by < 2; by++) {
                String name = by == 0 ? "by_parameter" : "by_activation";
                int b = by;
                Map<String, Object> m = new LinkedHashMap<>();
                for (int kk : Recovery.KS) {
                    double[] v = perTask(g.getValue(), run -> run.rankings().get(b).recallAt(kk));
                    m.put("recall_at_" + kk, withCi(v, o.seeds().get(0) + kk));
                    m.put("chance_at_" + kk, Recovery.chanceRecall(kk, dAlive));
                }
                m.put("mean_rank", ScoreMath.mean(perTask(g.getValue(), run -> run.rankings().get(b).ranks().get(0))));
                m.put("reciprocal_rank", withCi(perTask(g.getValue(), run -> 1.0 / run.rankings().get(b).ranks().get(0)), 99));
                double[] au = perTask(g.getValue(), run -> run.rankings().get(b).auroc() == null ? Double.NaN : run.rankings().get(b).auroc());
                m.put("auroc", ScoreMath.mean(au));
                c.put(name, m);
            }
            if (k[0].equals("steered")) {
                c.put("random_plant_recall_at_5", ScoreMath.mean(perTask(g.getValue(), RecoveryBenchmark.Run::randomPlantRecall5)));
                c.put("mean_loss_base", ScoreMath.mean(perTask(g.getValue(), RecoveryBenchmark.Run::baseLoss)));
                c.put("mean_loss_adapted", ScoreMath.mean(perTask(g.getValue(), RecoveryBenchmark.Run::adaptedLoss)));
                if (k[3].equals("ffnn")) {
                    c.put("ffnn_best_hidden_cosine", ScoreMath.mean(perTask(g.getValue(), run -> run.ffnn() == null ? Double.NaN
                            : run.ffnn().cosine())));
                }
            }
            cells.add(c);
        }
        out.put("cells", cells);
        long unmatched = r.runs().stream().filter(x -> !x.matched() && !x.control()).map(x -> x.task() + "/" + x.sae()).distinct().count();
        out.put("unmatched_task_sae_pairs", unmatched);
        out.put("match_threshold", Recovery.MATCH_THRESHOLD);
        List<Map<String, Object>> paired = paired(r);
        out.put("paired", paired);
        out.put("headlines", headlines(r, cells, paired));
        return out;
    }

    private static double[] perTask(Map<Integer, List<RecoveryBenchmark.Run>> byTask, ToDoubleFunction<RecoveryBenchmark.Run> f) {
        double[] v = new double[byTask.size()];
        int i = 0;
        for (List<RecoveryBenchmark.Run> runs : byTask.values()) {
            v[i++] = runs.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
        }
        return v;
    }

    private static Map<String, Object> withCi(double[] v, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", ScoreMath.mean(v));
        var ci = ScoreMath.bootstrapMeanCi(v, 2000, seed);
        m.put("ci95", ci.map(x -> List.of(x.low(), x.high())).orElse(null));
        return m;
    }

    /**
     * Paired B − local over tasks matched on both, per component, by reciprocal rank (activation change) and
     * recall@5; over all tasks and over the tasks planted from each SAE (the plant's size depends on its
     * source SAE's activation scale, so "all" mixes strong and weak plants).
     */
    static List<Map<String, Object>> paired(RecoveryBenchmark.Result r) {
        var o = r.options();
        List<Map<String, Object>> out = new ArrayList<>();
        if (!o.saes().containsKey("local")) {
            return out;
        }
        Map<Integer, String> sourceOf = new java.util.HashMap<>();
        r.tasks().forEach(t -> sourceOf.put(t.id(), t.source()));
        List<String> sources = new ArrayList<>();
        sources.add("all");
        sources.addAll(o.saes().keySet());
        for (String source : sources)
        for (String b : o.saes().keySet()) {
            if (b.equals("local")) {
                continue;
            }
            for (var k : o.components()) {
                for (String metric : List.of("log2_rank_gain", "reciprocal_rank", "recall_at_5")) {
                    Map<Integer, double[]> sums = new TreeMap<>(); // task → {sumA, nA, sumB, nB}
                    for (RecoveryBenchmark.Run run : r.runs()) {
                        if (run.control() || run.strength() != o.strength() || !run.matched() || !run.component().equals(k.id())
                                || !(source.equals("all") || source.equals(sourceOf.get(run.task())))) {
                            continue;
                        }
                        int side = run.sae().equals("local") ? 0 : run.sae().equals(b) ? 2 : -1;
                        if (side < 0) {
                            continue;
                        }
                        double rank = run.rankings().get(1).ranks().get(0);
                        // log2_rank_gain: −log2(rank), so B − local = log2(rank_local / rank_B) (> 0: B ranks the answer higher;
                        // not dominated by one rank-1 task as the reciprocal rank is)
                        double v = metric.equals("log2_rank_gain") ? -Math.log(rank) / Math.log(2)
                                : metric.equals("reciprocal_rank") ? 1.0 / rank : rank <= 5 ? 1 : 0;
                        double[] s = sums.computeIfAbsent(run.task(), t -> new double[4]);
                        s[side] += v;
                        s[side + 1]++;
                    }
                    List<Double> d = new ArrayList<>();
                    for (double[] s : sums.values()) {
                        if (s[1] > 0 && s[3] > 0) {
                            d.add(s[2] / s[3] - s[0] / s[1]);
                        }
                    }
                    double[] x = d.stream().mapToDouble(Double::doubleValue).toArray();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("comparison", b + " - local");
                    m.put("planted_from", source);
                    m.put("component", k.id());
                    m.put("metric", metric + " (by activation change)");
                    m.put("tasks", x.length);
                    m.putAll(signFlip(x, ScoreMath.seedFor(1, b + k.id() + metric)));
                    out.add(m);
                }
            }
        }
        double[] p = out.stream().mapToDouble(m -> m.get("p") == null ? 1.0 : (double) m.get("p")).toArray();
        double[] q = p.length == 0 ? p : MultipleTesting.benjaminiHochberg(p);
        for (int i = 0; i < out.size(); i++) {
            out.get(i).put("q_bh", q[i]);
        }
        return out;
    }

    /**
     * Mean difference, bootstrap CI, two-sided sign-flip p (exact for n ≤ 22, else 20,000 seeded flips)
     * and power: the fraction of 400 bootstrap resamples of the differences in which the test (2,000
     * seeded flips) rejects at α = 0.05.
     */
    public static Map<String, Object> signFlip(double[] x, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", x.length);
        if (x.length == 0) {
            m.put("mean_diff", null);
            m.put("p", null);
            m.put("power", null);
            return m;
        }
        m.put("mean_diff", ScoreMath.mean(x));
        m.put("ci95", ScoreMath.bootstrapMeanCi(x, 2000, seed).map(c -> List.of(c.low(), c.high())).orElse(null));
        double p = x.length <= 22 ? Comparison.exactSignFlip(x) : Comparison.randomSignFlip(x, 20_000, seed);
        m.put("p", p);
        m.put("test", x.length <= 22 ? "exact sign-flip over 2^" + x.length + " patterns" : "20000 seeded sign flips");
        m.put("min_p_possible", x.length <= 22 ? Math.pow(2, 1 - x.length) : 1.0 / 20_001);
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5bd1e995L);
        int rejects = 0;
        int resamples = 400;
        double[] y = new double[x.length];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < y.length; i++) {
                y[i] = x[rng.nextInt(x.length)];
            }
            rejects += Comparison.randomSignFlip(y, 2000, rng.nextLong()) < ALPHA ? 1 : 0;
        }
        m.put("power", (double) rejects / resamples);
        m.put("power_how", "bootstrap: 400 resamples of the differences, each tested with 2000 sign flips at alpha 0.05");
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> headlines(RecoveryBenchmark.Result r, List<Map<String, Object>> cells, List<Map<String, Object>> paired) {
        Map<String, Object> h = new LinkedHashMap<>();
        double main = r.options().strength();
        for (Map<String, Object> c : cells) {
            boolean steered = c.get("kind").equals("steered");
            if ((double) c.get("strength") != (steered ? main : 0)) {
                continue;
            }
            String key = (steered ? "" : "control_") + c.get("sae") + "_" + c.get("component");
            Map<String, Object> a = (Map<String, Object>) c.get("by_activation");
            h.put(key + "_recall_at_1", ((Map<String, Object>) a.get("recall_at_1")).get("mean"));
            h.put(key + "_recall_at_5", ((Map<String, Object>) a.get("recall_at_5")).get("mean"));
            h.put(key + "_recall_at_20", ((Map<String, Object>) a.get("recall_at_20")).get("mean"));
            if (steered) {
                h.put(c.get("sae") + "_chance_at_5", a.get("chance_at_5"));
            }
        }
        for (Map<String, Object> p : paired) {
            if (((String) p.get("metric")).startsWith("log2_rank_gain") && "all".equals(p.get("planted_from"))) {
                String key = ((String) p.get("comparison")).replace(" - ", "_minus_") + "_" + p.get("component") + "_log2_rank_gain";
                h.put(key + "_diff", p.get("mean_diff"));
                h.put(key + "_p", p.get("p"));
                h.put(key + "_power", p.get("power"));
            }
        }
        h.put("strength", main);
        h.put("tasks", r.tasks().size());
        h.put("seeds", r.options().seeds().size());
        return h;
    }
}
