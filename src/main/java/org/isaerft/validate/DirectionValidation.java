package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.config.ProjectHome;
import org.isaerft.activations.LatentId;
import org.isaerft.explain.adapter.AdapterChangeExplanation;
import org.isaerft.explain.adapter.AdapterExplainResult;
import org.isaerft.explain.adapter.AdapterExplainer;
import org.isaerft.explain.adapter.AdapterFiles;
import org.isaerft.explain.adapter.FfnnWeights;
import org.isaerft.explain.adapter.UnitExplanation;
import org.isaerft.explain.adapter.WeightedLatent;
import org.isaerft.score.ScoreMath;
import org.isaerft.util.Json;

/**
 * Validation of adapter-direction explanations (FFNN unit questions/edits/sentences, or a
 * scale/bias adapter's change summary) against the task: is each explanation more relevant to the
 * adapter's own task than to the other tasks?
 *
 * <p>Per item and text field, diff = relevance(own task) − mean relevance(other tasks). Reported:
 * mean own relevance, mean diff with a bootstrap 95% CI over items, and a sign-flip permutation
 * p-value of the mean diff (seeded; p = (1 + #{|flipped| ≥ observed, one-sided}) / (1 + N)).
 * Also Spearman(item importance, own relevance), importance = ‖W2[:, u]‖·‖W1[u, :]‖ for a unit.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DirectionValidation(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String task,
        String adapter,
        String component,
        String method,
        String judge,
        List<String> otherTasks,
        int nItems,
        int nJudgeFailures,
        Map<String, FieldStats> fields,
        List<Item> items,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "direction_validation";

    /**
     * @param meanOwn          mean relevance to the own task
     * @param meanByTask       mean relevance to every task (own included)
     * @param ownRank          rank of the own task by mean relevance (1 = most relevant)
     * @param meanDiff         mean of own − mean(others)
     * @param meanDiffCi       bootstrap 95% CI of meanDiff (null with fewer than 2 items)
     * @param pSignFlip        one-sided sign-flip permutation p-value of meanDiff &gt; 0
     * @param spearmanImportance Spearman(importance, own relevance) (null when undefined)
     * @param qSignFlip        Benjamini–Hochberg q-value of pSignFlip across the fields of this adapter
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldStats(double meanOwn, Map<String, Double> meanByTask, int ownRank, double meanDiff, RankStats.Interval meanDiffCi,
            double pSignFlip, int permutations, Double spearmanImportance, Double qSignFlip) {}

    /** One direction with its texts, importance and relevance per task per field. */
    public record Item(String id, double importance, Map<String, String> texts, Map<String, Map<String, Double>> relevance) {}

    /** A direction to validate: its texts (question/edit/sentence or summary) and importance. */
    public record Direction(String id, double importance, Map<String, String> texts) {}

    /** Reads the directions of an adapter explanation file (JSONL of unit explanations, or one change explanation). */
    public static List<Direction> read(Path file) {
        List<Direction> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                var node = Json.MAPPER.readTree(line);
                String type = node.path("type").asText();
                if (UnitExplanation.TYPE.equals(type)) {
                    out.add(of(Json.MAPPER.treeToValue(node, UnitExplanation.class)));
                } else if (AdapterChangeExplanation.TYPE.equals(type)) {
                    out.add(of(Json.MAPPER.treeToValue(node, AdapterChangeExplanation.class)));
                } else {
                    throw new IllegalArgumentException("type: expected " + UnitExplanation.TYPE + " or " + AdapterChangeExplanation.TYPE
                            + ", found '" + type + "'");
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not an adapter-direction explanation file: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no adapter-direction explanations");
        }
        return out;
    }

    static Direction of(UnitExplanation u) {
        double w = norm(u.writes()) * norm(u.reads());
        Map<String, String> t = new LinkedHashMap<>();
        t.put("question", u.question());
        t.put("edit", u.edit());
        t.put("sentence", u.sentence());
        return new Direction(u.latent().toString(), w, t);
    }

    static Direction of(AdapterChangeExplanation c) {
        return new Direction(c.adapterId() + "/" + c.kind(), norm(c.raised()) + norm(c.lowered()), Map.of("summary", c.summary()));
    }

    private static double norm(List<WeightedLatent> ws) {
        double s = 0;
        for (WeightedLatent w : ws) {
            s += w.weight() * w.weight();
        }
        return Math.sqrt(s);
    }

    /**
     * Offline explanations of a trained adapter's directions (the explain stream's
     * {@link AdapterExplainer#offline}), from its safetensors and the latent descriptions.
     *
     * @param source latent source of the descriptions' ids (e.g. {@code blocks.2.hook_resid_pre})
     */
    public static List<Direction> offline(Path adapterDir, String source, Map<LatentId, String> descriptions, int k) {
        String id = adapterDir.toAbsolutePath().normalize().getFileName().toString();
        AdapterFiles.Loaded loaded = AdapterFiles.load(adapterDir, id, source, descriptions, Map.of());
        AdapterExplainer ex = AdapterExplainer.offline(k);
        List<Direction> out = new ArrayList<>();
        if (loaded.ffnn() != null) {
            FfnnWeights a = loaded.ffnn();
            for (AdapterExplainResult<UnitExplanation> r : ex.explainUnits(a)) {
                if (r instanceof AdapterExplainResult.Success<UnitExplanation> s) {
                    UnitExplanation u = s.value();
                    double n1 = 0;
                    double n2 = 0;
                    for (int i = 0; i < a.dSae(); i++) {
                        n1 += a.w1()[u.unit()][i] * a.w1()[u.unit()][i];
                        n2 += a.w2()[i][u.unit()] * a.w2()[i][u.unit()];
                    }
                    Direction d = of(u);
                    out.add(new Direction(d.id(), Math.sqrt(n1) * Math.sqrt(n2), d.texts()));
                }
            }
        } else if (ex.explainChange(loaded.vector()) instanceof AdapterExplainResult.Success<AdapterChangeExplanation> s) {
            out.add(of(s.value()));
        }
        return out;
    }

    /** The built-in task cards of {@code home} other than {@code own} with an expectation of their own (a poisoned variant shares its clean card's). */
    public static List<TaskExpectation> otherTasks(TaskExpectation own, ProjectHome home) {
        List<TaskExpectation> others = new ArrayList<>();
        for (String name : TaskCards.builtinNames(home)) {
            TaskExpectation t = TaskExpectation.of(TaskCards.load(name, home).card());
            if (!name.equals(own.task()) && !t.concepts().isEmpty() && !t.concepts().equals(own.concepts())) {
                others.add(t);
            }
        }
        return others;
    }

    /** Judges every direction against the own task and the others and computes the statistics. */
    public static DirectionValidation validate(String adapter, String component, String method, List<Direction> directions,
            TaskExpectation own, List<TaskExpectation> others, Validator validator, String judgeName, int permutations, int bootstrap,
            long seed) {
        if (others.isEmpty()) {
            throw new IllegalArgumentException("direction validation needs at least one other task to compare with");
        }
        List<Item> items = new ArrayList<>();
        int failures = 0;
        List<TaskExpectation> all = new ArrayList<>();
        all.add(own);
        all.addAll(others);
        for (Direction d : directions) {
            Map<String, Map<String, Double>> rel = new LinkedHashMap<>();
            boolean ok = true;
            for (var field : d.texts().entrySet()) {
                Map<String, Double> byTask = new LinkedHashMap<>();
                for (TaskExpectation t : all) {
                    if (validator.relevance(field.getValue(), t) instanceof RelevanceJudge.Relevant r) {
                        byTask.put(t.task(), r.relevance());
                    } else {
                        ok = false;
                    }
                }
                rel.put(field.getKey(), byTask);
            }
            if (ok) {
                items.add(new Item(d.id(), d.importance(), d.texts(), rel));
            } else {
                failures++;
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("direction validation of " + adapter + ": no direction could be judged (" + failures
                    + " judge failures)");
        }
        Map<String, FieldStats> fields = new LinkedHashMap<>();
        for (String field : items.get(0).texts().keySet()) {
            int n = items.size();
            double[] diff = new double[n];
            double[] ownRel = new double[n];
            double[] imp = new double[n];
            Map<String, Double> meanByTask = new LinkedHashMap<>();
            for (TaskExpectation t : all) {
                meanByTask.put(t.task(), items.stream().mapToDouble(it -> it.relevance().get(field).get(t.task())).average().orElseThrow());
            }
            for (int i = 0; i < n; i++) {
                Map<String, Double> r = items.get(i).relevance().get(field);
                ownRel[i] = r.get(own.task());
                double o = others.stream().mapToDouble(t -> r.get(t.task())).average().orElseThrow();
                diff[i] = ownRel[i] - o;
                imp[i] = items.get(i).importance();
            }
            double ownMean = meanByTask.get(own.task());
            int rank = 1 + (int) meanByTask.values().stream().filter(v -> v > ownMean).count();
            double md = ScoreMath.mean(diff);
            RankStats.Interval ci = null;
            if (n >= 2) {
                var b = ScoreMath.bootstrapMeanCi(diff, bootstrap, ScoreMath.seedFor(seed, "dir-boot-" + field));
                if (b.isPresent()) {
                    ci = new RankStats.Interval(b.get().low(), b.get().high(), bootstrap, 0);
                }
            }
            double p = signFlipP(diff, permutations, ScoreMath.seedFor(seed, "dir-flip-" + field));
            var rho = RankStats.spearman(imp, ownRel);
            fields.put(field, new FieldStats(ownMean, meanByTask, rank, md, ci, p, permutations, rho.isPresent() ? rho.getAsDouble() : null,
                    null));
        }
        // Benjamini–Hochberg across the fields (question, edit, …): one family of tests per adapter
        List<String> names = new ArrayList<>(fields.keySet());
        double[] q = org.isaerft.score.MultipleTesting.benjaminiHochberg(names.stream().mapToDouble(f -> fields.get(f).pSignFlip()).toArray());
        for (int i = 0; i < names.size(); i++) {
            FieldStats f = fields.get(names.get(i));
            fields.put(names.get(i), new FieldStats(f.meanOwn(), f.meanByTask(), f.ownRank(), f.meanDiff(), f.meanDiffCi(), f.pSignFlip(),
                    f.permutations(), f.spearmanImportance(), q[i]));
        }
        return new DirectionValidation(SCHEMA_VERSION, TYPE, own.task(), adapter, component, method, judgeName,
                others.stream().map(TaskExpectation::task).toList(), items.size(), failures, fields, items,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** One-sided sign-flip permutation p-value of mean(x) &gt; 0: p = (1 + #{mean(±x) ≥ mean(x)}) / (1 + N). */
    public static double signFlipP(double[] x, int permutations, long seed) {
        if (permutations < 1) {
            throw new IllegalArgumentException("permutations must be >= 1, found " + permutations);
        }
        double obs = ScoreMath.mean(x);
        Random rnd = new Random(seed);
        int ge = 0;
        for (int p = 0; p < permutations; p++) {
            double s = 0;
            for (double v : x) {
                s += rnd.nextBoolean() ? v : -v;
            }
            ge += s / x.length >= obs - 1e-12 ? 1 : 0;
        }
        return (1.0 + ge) / (1.0 + permutations);
    }
}
