package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.recovery.RecoveryBenchmark;

/**
 * Reads the known-answer recovery stage's {@code recovery/recovery.json} as {@code org.isaerft.recovery.RecoveryBenchmark}
 * writes it: {@code options} (strength, sweep, seeds), {@code d_alive}, {@code tasks}, {@code runs} and
 * {@code analysis.cells} — one cell per kind (steered | control = the unsteered twin) × strength × SAE × component with,
 * by activation change, {@code recall_at_K: {mean, ci95: [low, high]}} (95% bootstrap CI over tasks) beside
 * {@code chance_at_K} = K / d_alive, and {@code random_plant_recall_at_5} (the same adapter asked about a random latent).
 */
final class Recovery {
    private Recovery() {}

    /** The k of the finding and the headlines. */
    static final int K = 5;

    /**
     * One analysis cell, by activation change.
     *
     * @param kind        "steered" (a planted card) or "control" (the unsteered twin, asked about the same answers)
     * @param recall      recall@{@link #K} averaged over tasks; {@code low}/{@code high} its 95% CI over tasks (null: none)
     * @param chance      {@link #K} / d_alive
     * @param randomPlant recall@5 of a random latent in the same adapter (null for control cells)
     */
    record Cell(String kind, double strength, String sae, String component, int tasks, int dAlive, double recall1, double recall,
            double recall20, Double low, Double high, double chance, Double auroc, Double randomPlant, Double randomLow, Double randomHigh) {
        Cell {
            ReportModel.require(sae, "recovery SAE");
            if (!Double.isFinite(recall)) {
                throw new IllegalArgumentException("recovery " + sae + "/" + component + ": recall must be finite");
            }
        }

        String subject() {
            return sae + ", " + component;
        }

        boolean aboveChance() {
            return low != null && low > chance;
        }
    }

    /** The main strength of the benchmark ({@code options.strength}). */
    static double strength(JsonNode rec) {
        return rec.path("options").path("strength").asDouble();
    }

    /** Every cell of {@code analysis.cells} (null members: cells without a recall number are left out). */
    static List<Cell> cells(JsonNode rec) {
        Map<String, double[]> random = randomPlantCi(rec);
        List<Cell> out = new ArrayList<>();
        for (JsonNode c : rec.path("analysis").path("cells")) {
            JsonNode a = c.path("by_activation");
            JsonNode r = a.path("recall_at_" + K);
            if (!r.path("mean").isNumber()) {
                continue;
            }
            JsonNode ci = r.path("ci95");
            boolean steered = c.path("kind").asText().equals("steered");
            double[] rp = random.get(c.path("strength").asDouble() + "|" + c.path("sae").asText() + "|" + c.path("component").asText());
            out.add(new Cell(c.path("kind").asText(), c.path("strength").asDouble(), c.path("sae").asText(), c.path("component").asText(),
                    c.path("tasks").asInt(), c.path("d_alive").asInt(), a.path("recall_at_1").path("mean").asDouble(), r.path("mean").asDouble(),
                    a.path("recall_at_20").path("mean").asDouble(), ci.size() == 2 ? ci.get(0).asDouble() : null,
                    ci.size() == 2 ? ci.get(1).asDouble() : null, a.path("chance_at_" + K).asDouble(), RunFolder.num(a.path("auroc")),
                    steered ? RunFolder.num(c.path("random_plant_recall_at_5")) : null, steered && rp != null ? rp[0] : null,
                    steered && rp != null ? rp[1] : null));
        }
        return out;
    }

    /**
     * 95% Wilson interval of the random-latent plant's recall@5 per strength|sae|component, pooled over its adapters: each
     * adapter's value is the hit rate of {@link RecoveryBenchmark#RANDOM_PLANT_TRIALS} random alive latents drawn with
     * replacement, so its expectation is chance by construction and its spread is mostly that draw's binomial noise (a
     * bootstrap over a few tasks would ignore it).
     */
    static Map<String, double[]> randomPlantCi(JsonNode rec) {
        Map<String, double[]> hits = new TreeMap<>(); // key → {hits, trials}
        for (JsonNode run : rec.path("runs")) {
            if (run.path("control").asBoolean() || !run.path("matched").asBoolean() || !run.path("random_plant_recall5").isNumber()) {
                continue;
            }
            String key = run.path("strength").asDouble() + "|" + run.path("sae").asText() + "|" + run.path("component").asText();
            double[] h = hits.computeIfAbsent(key, k -> new double[2]);
            h[0] += Math.round(run.path("random_plant_recall5").asDouble() * RecoveryBenchmark.RANDOM_PLANT_TRIALS);
            h[1] += RecoveryBenchmark.RANDOM_PLANT_TRIALS;
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        hits.forEach((k, h) -> out.put(k, wilson(h[0], h[1])));
        return out;
    }

    /** 95% Wilson score interval of {@code hits} successes in {@code n} trials. */
    static double[] wilson(double hits, double n) {
        double z = 1.959964;
        double p = hits / n;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /**
     * Recall@{@link #K} against strength per SAE × component, on the tasks the sweep ran on (the first seed only, as the
     * benchmark runs its sweep): empty when the run has no sweep.
     */
    static Map<String, List<double[]>> sweep(JsonNode rec) {
        JsonNode o = rec.path("options");
        int sweepTasks = o.path("sweep_tasks").asInt();
        if (o.path("sweep").isEmpty() || sweepTasks == 0) {
            return Map.of();
        }
        long seed = o.path("seeds").path(0).asLong();
        Map<String, Map<Double, List<Double>>> acc = new TreeMap<>();
        for (JsonNode run : rec.path("runs")) {
            if (run.path("control").asBoolean() || !run.path("matched").asBoolean() || run.path("seed").asLong() != seed
                    || run.path("task").asInt() >= sweepTasks) {
                continue;
            }
            JsonNode act = null;
            for (JsonNode rk : run.path("rankings")) {
                if (rk.path("by").asText().equals("mean_abs_delta")) {
                    act = rk;
                }
            }
            if (act == null || !act.path("ranks").path(0).isNumber()) {
                continue;
            }
            double hit = act.path("ranks").path(0).asDouble() <= K ? 1 : 0;
            acc.computeIfAbsent(run.path("sae").asText() + ", " + run.path("component").asText(), k -> new TreeMap<>())
                    .computeIfAbsent(run.path("strength").asDouble(), s -> new ArrayList<>()).add(hit);
        }
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        for (var e : acc.entrySet()) {
            if (e.getValue().size() < 2) {
                continue;
            }
            List<double[]> pts = new ArrayList<>();
            e.getValue().forEach((s, hits) -> pts.add(new double[] {s, hits.stream().mapToDouble(Double::doubleValue).average().orElse(0)}));
            out.put(e.getKey(), pts);
        }
        return out;
    }
}
