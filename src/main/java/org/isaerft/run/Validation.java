package org.isaerft.run;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.config.RunConfig;
import org.isaerft.score.ScoreMath;
import org.isaerft.util.Json;

/**
 * Offline validation of an interpretation method against an adapter: each explained latent's
 * relevance to the task is the highest cosine similarity (all-MiniLM-L6-v2) between its
 * description and the task's description or any expected concept; the adapter's change ranking
 * (mean |c'−c| on held-out task text) labels the top-k latents "changed". Reported: AUROC of
 * relevance for changed vs the rest (with a bootstrap 95% CI over latents and a permutation
 * p-value from shuffling relevance across latents), Spearman(|change|, relevance), precision@k
 * (overlap of the top-k by change and by relevance, / k), and two controls: the same AUROC with
 * descriptions deranged across latents (shuffled-description control) and with k random latents
 * labelled "changed" (random-latent control).
 */
public final class Validation {
    private final RunConfig.ValidateSection cfg;
    private final long seed;
    private final Function<String, float[]> embed;

    public Validation(RunConfig.ValidateSection cfg, long seed, Function<String, float[]> embed) {
        this.cfg = cfg;
        this.seed = seed;
        this.embed = embed;
    }

    /** all-MiniLM-L6-v2 embeddings with an in-memory cache (the model loads at the first call). */
    public static Function<String, float[]> embedder() {
        Map<String, float[]> cache = new ConcurrentHashMap<>();
        EmbeddingModel[] model = {null};
        return text -> cache.computeIfAbsent(text, t -> {
            synchronized (model) {
                if (model[0] == null) {
                    model[0] = new AllMiniLmL6V2EmbeddingModel();
                }
                return model[0].embed(t).content().vector();
            }
        });
    }

    /** One latent in a validation: its change, relevance and description. */
    public record LatentRow(String latent, double change, double relevance, String description) {}

    /** Validation of one method against one adapter. Null metrics are undefined (e.g. too few latents). */
    public record Result(String sae, String saeType, String task, String component, String method, int nLatents, int k,
            Double auroc, ScoreMath.Interval aurocCi95, Double permutationP, Double spearman, Double precisionAtK,
            Double shuffledDescriptionAuroc, Double randomLatentAuroc, Double meanRelevanceTopK, Double meanRelevanceRest,
            List<LatentRow> topChanged) {}

    /** A latent that changed much but matches the task little. */
    public record AuditEntry(String sae, String task, String component, String method, String latent, double change, double relevance,
            String description, String example, boolean poisonedCard, Boolean exampleHasTrigger) {}

    public Result validate(String sae, String saeType, TaskCard card, String component, String method, ChangeSummary change,
            Map<String, String> descriptions) {
        List<String> targets = new ArrayList<>();
        targets.add(card.description());
        targets.addAll(card.expectedConcepts());
        List<float[]> tv = targets.stream().map(embed).toList();
        List<LatentRow> rows = new ArrayList<>();
        for (ChangeSummary.LatentChange lc : change.latents()) {
            String id = change.hook() + "/" + lc.latent();
            String d = descriptions.get(id);
            if (d == null) {
                continue;
            }
            float[] e = embed.apply(d);
            double rel = Double.NEGATIVE_INFINITY;
            for (float[] t : tv) {
                rel = Math.max(rel, cosine(e, t));
            }
            rows.add(new LatentRow(id, lc.meanAbsDelta(), rel, d));
        }
        rows.sort(Comparator.comparingDouble(LatentRow::change).reversed().thenComparing(LatentRow::latent));
        int n = rows.size();
        int k = Math.min(cfg.topK(), n / 2);
        if (k < 1) {
            return new Result(sae, saeType, card.name(), component, method, n, k, null, null, null, null, null, null, null, null, null,
                    rows);
        }
        double[] rel = rows.stream().mapToDouble(LatentRow::relevance).toArray();
        double[] chg = rows.stream().mapToDouble(LatentRow::change).toArray();
        boolean[] top = new boolean[n];
        for (int i = 0; i < k; i++) {
            top[i] = true;
        }
        long s = ScoreMath.seedFor(seed, sae + "/" + card.name() + "/" + component + "/" + method);
        Double auroc = box(ScoreMath.auroc(rel, top));
        // permutation p-value: relevance shuffled across latents
        SplittableRandom rng = new SplittableRandom(s);
        int ge = 0;
        double[] perm = rel.clone();
        for (int p = 0; p < cfg.permutations(); p++) {
            shuffle(perm, rng);
            OptionalDouble a = ScoreMath.auroc(perm, top);
            if (a.isPresent() && auroc != null && a.getAsDouble() >= auroc - 1e-12) {
                ge++;
            }
        }
        Double pValue = auroc == null ? null : (1.0 + ge) / (1.0 + cfg.permutations());
        // bootstrap CI over latents
        ScoreMath.Interval ci = null;
        if (cfg.bootstrap() > 0 && auroc != null) {
            double[] boots = new double[cfg.bootstrap()];
            int m = 0;
            SplittableRandom br = new SplittableRandom(s + 1);
            for (int b = 0; b < cfg.bootstrap(); b++) {
                double[] r = new double[n];
                boolean[] l = new boolean[n];
                for (int i = 0; i < n; i++) {
                    int j = br.nextInt(n);
                    r[i] = rel[j];
                    l[i] = top[j];
                }
                OptionalDouble a = ScoreMath.auroc(r, l);
                if (a.isPresent()) {
                    boots[m++] = a.getAsDouble();
                }
            }
            if (m > 0) {
                double[] v = java.util.Arrays.copyOf(boots, m);
                java.util.Arrays.sort(v);
                ci = new ScoreMath.Interval(v[(int) Math.floor(0.025 * (m - 1))], v[(int) Math.ceil(0.975 * (m - 1))]);
            }
        }
        Double spearman = box(ScoreMath.pearson(ranks(chg), ranks(rel)));
        Integer[] byRel = new Integer[n];
        for (int i = 0; i < n; i++) {
            byRel[i] = i;
        }
        java.util.Arrays.sort(byRel, (a, b) -> Double.compare(rel[b], rel[a]));
        int overlap = 0;
        for (int i = 0; i < k; i++) {
            if (byRel[i] < k) {
                overlap++;
            }
        }
        // shuffled-description control: each latent gets another latent's description
        int[] der = ScoreMath.derangement(n, s + 2);
        double[] relShuf = new double[n];
        for (int i = 0; i < n; i++) {
            relShuf[i] = rel[der[i]];
        }
        Double shuffled = box(ScoreMath.auroc(relShuf, top));
        // random-latent control: k random latents labelled as changed
        boolean[] rnd = new boolean[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        SplittableRandom rr = new SplittableRandom(s + 3);
        for (int i = n - 1; i > 0; i--) {
            int j = rr.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        for (int i = 0; i < k; i++) {
            rnd[idx[i]] = true;
        }
        Double random = box(ScoreMath.auroc(rel, rnd));
        double topMean = 0;
        double restMean = 0;
        for (int i = 0; i < n; i++) {
            if (top[i]) {
                topMean += rel[i] / k;
            } else {
                restMean += rel[i] / (n - k);
            }
        }
        return new Result(sae, saeType, card.name(), component, method, n, k, auroc, ci, pValue, spearman, (double) overlap / k, shuffled,
                random, topMean, restMean, rows.subList(0, Math.min(rows.size(), 2 * k)));
    }

    /**
     * Data audit: among the 2k most-changed latents, the {@code audit_top} least relevant to the task,
     * with their top example; for a card with a planted trigger, whether that example contains it.
     */
    public List<AuditEntry> audit(Result r, TaskCard card, Path recordsDir) {
        List<LatentRow> top = new ArrayList<>(r.topChanged());
        top.sort(Comparator.comparingDouble(LatentRow::relevance));
        List<AuditEntry> out = new ArrayList<>();
        String trigger = card.poison() == null ? null : card.poison().trigger().toLowerCase(Locale.ROOT);
        for (LatentRow row : top.subList(0, Math.min(cfg.auditTop(), top.size()))) {
            String example = null;
            Boolean has = null;
            Path f = recordsDir.resolve(org.isaerft.activations.LatentId.parse(row.latent()).fileSafe() + ".json");
            if (Files.isRegularFile(f)) {
                LatentRecord rec = Json.readFile(f, LatentRecord.class);
                if (!rec.topExamples().isEmpty()) {
                    example = rec.topExamples().get(0).text();
                }
                if (trigger != null) {
                    has = false;
                    for (Example e : rec.topExamples()) {
                        if (e.text().toLowerCase(Locale.ROOT).contains(trigger)) {
                            has = true;
                        }
                    }
                }
            }
            out.add(new AuditEntry(r.sae(), r.task(), r.component(), r.method(), row.latent(), row.change(), row.relevance(),
                    row.description(), example, card.poison() != null, has));
        }
        return out;
    }

    /** One row of the comparison table: an SAE type × method over every task card and component. */
    public record ComparisonRow(String saeType, String method, int n, Double meanAuroc, ScoreMath.Interval ci95, Double meanShuffled,
            Double meanRandom, Double meanSpearman, Double meanPrecisionAtK, int significant) {}

    /** The comparison table across SAE types × methods, plus the paired e2e − local AUROC difference. */
    public static Map<String, Object> compare(List<Result> results, long seed, int bootstrap) {
        Map<String, List<Result>> groups = new TreeMap<>();
        for (Result r : results) {
            groups.computeIfAbsent(r.saeType() + "\u0000" + r.method(), x -> new ArrayList<>()).add(r);
        }
        List<ComparisonRow> rows = new ArrayList<>();
        for (var e : groups.entrySet()) {
            List<Result> g = e.getValue();
            double[] a = g.stream().filter(r -> r.auroc() != null).mapToDouble(Result::auroc).toArray();
            ScoreMath.Interval ci = a.length > 0 && bootstrap > 0 ? ScoreMath.bootstrapMeanCi(a, bootstrap, seed).orElse(null) : null;
            rows.add(new ComparisonRow(g.get(0).saeType(), g.get(0).method(), a.length, a.length == 0 ? null : ScoreMath.mean(a), ci,
                    mean(g, Result::shuffledDescriptionAuroc), mean(g, Result::randomLatentAuroc), mean(g, Result::spearman),
                    mean(g, Result::precisionAtK), (int) g.stream().filter(r -> r.permutationP() != null && r.permutationP() < 0.05).count()));
        }
        // paired differences between SAE types on the same task × component × method
        Map<String, Map<String, Double>> byKey = new TreeMap<>();
        for (Result r : results) {
            if (r.auroc() != null) {
                byKey.computeIfAbsent(r.task() + "/" + r.component() + "/" + r.method(), x -> new TreeMap<>()).put(r.saeType(), r.auroc());
            }
        }
        List<Map<String, Object>> diffs = new ArrayList<>();
        List<String> types = results.stream().map(Result::saeType).distinct().sorted().toList();
        for (int i = 0; i < types.size(); i++) {
            for (int j = 0; j < types.size(); j++) {
                String x = types.get(i);
                String y = types.get(j);
                if (i == j || !(x.startsWith("e2e") && y.equals("local"))) {
                    continue;
                }
                List<Double> d = new ArrayList<>();
                for (Map<String, Double> m : byKey.values()) {
                    if (m.containsKey(x) && m.containsKey(y)) {
                        d.add(m.get(x) - m.get(y));
                    }
                }
                double[] dv = d.stream().mapToDouble(Double::doubleValue).toArray();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("comparison", x + " - " + y);
                row.put("pairs", dv.length);
                row.put("mean_auroc_difference", dv.length == 0 ? null : ScoreMath.mean(dv));
                row.put("ci95", dv.length > 0 && bootstrap > 0 ? ScoreMath.bootstrapMeanCi(dv, bootstrap, seed + 7).orElse(null) : null);
                row.put("wins", d.stream().filter(v -> v > 0).count());
                diffs.add(row);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("schema_version", 1);
        out.put("type", "validation_comparison");
        out.put("rows", rows);
        out.put("sae_type_differences", diffs);
        return out;
    }

    private static Double mean(List<Result> g, Function<Result, Double> f) {
        double[] v = g.stream().map(f).filter(x -> x != null).mapToDouble(Double::doubleValue).toArray();
        return v.length == 0 ? null : ScoreMath.mean(v);
    }

    static Double box(OptionalDouble d) {
        return d.isPresent() ? d.getAsDouble() : null;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    static double[] ranks(double[] v) {
        int n = v.length;
        Integer[] o = new Integer[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        java.util.Arrays.sort(o, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[n];
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && v[o[j + 1]] == v[o[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                r[o[t]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    private static void shuffle(double[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
