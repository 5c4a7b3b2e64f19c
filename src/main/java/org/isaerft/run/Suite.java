package org.isaerft.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * The benchmark suite: a base run config widened to every built-in task card (and every
 * component and interpretation method it names), run through the {@link Pipeline}, and summarised
 * as one table — task card × SAE type × component × method with the validation AUROC (CI,
 * permutation p, controls) and the method's embedding score — in {@code suite.json} and {@code suite.md}.
 */
public final class Suite {
    private Suite() {}

    /** The base config with every built-in task card of {@code home}. */
    public static RunConfig widen(RunConfig base, ProjectHome home) {
        RunConfig.AdapterSection a = base.adapters();
        if (a == null) {
            throw new IllegalArgumentException("bench suite: the config has no adapters section (the suite validates adapters)");
        }
        RunConfig.AdapterSection all = new RunConfig.AdapterSection(TaskCards.builtinNames(home), a.components(), a.steps(), a.batch(), a.seq(),
                a.lr(), a.hidden(), a.l1(), a.evalWindows(), a.maxDocuments());
        RunConfig.ValidateSection v = base.validate() != null ? base.validate() : new RunConfig.ValidateSection(null, null, null, null, null);
        return new RunConfig(base.schemaVersion(), base.runId() + "-suite", base.seed(), base.model(), base.corpus(), base.saes(), all,
                base.mine(), base.explain(), base.score(), v, base.recovery());
    }

    /** Runs the suite into {@code runDir} and writes {@code tableDir/suite.json} and {@code suite.md}; returns the rows. */
    public static List<Map<String, Object>> run(RunConfig base, ProjectHome home, Path runDir, Path tableDir, Pipeline.Builder tweaks) {
        RunConfig cfg = widen(base, home);
        Pipeline.Builder b = tweaks != null ? tweaks : Pipeline.builder(cfg, runDir, home);
        b.build().run();
        List<Map<String, Object>> rows = corrected(table(runDir), List.of(CONTROL_TASK));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema_version", 1);
        doc.put("type", "bench_suite");
        doc.put("run_dir", runDir.toAbsolutePath().toString());
        doc.put("model", cfg.model());
        doc.put("versions", Versions.all());
        doc.put("correction", CORRECTION);
        doc.put("warnings", warnings(rows));
        doc.put("rows", rows);
        Json.writeFile(tableDir.resolve("suite.json"), doc);
        AtomicFiles.writeString(tableDir.resolve("suite.md"), markdown(cfg, rows));
        return rows;
    }

    /** The topic-free card: its rows are controls (a significant one is a warning, not a finding). */
    public static final String CONTROL_TASK = "control";
    public static final String CORRECTION = "Benjamini-Hochberg q-values of the permutation p-values, within the method rows "
            + "and, separately, within the control rows (control card)";

    /**
     * Adds {@code is_control}, {@code control} ("control-card" on the control tasks) and the Benjamini–Hochberg
     * {@code q_value} of {@code permutation_p} within each family (method rows; control rows).
     */
    public static List<Map<String, Object>> corrected(List<Map<String, Object>> rows, List<String> controlTasks) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> m = new LinkedHashMap<>(r);
            boolean control = controlTasks.contains(String.valueOf(r.get("task")));
            m.put("is_control", control);
            m.put("control", control ? "control-card" : null);
            out.add(m);
        }
        for (boolean control : new boolean[] {false, true}) {
            List<Map<String, Object>> fam = out.stream().filter(m -> m.get("is_control").equals(control)).toList();
            double[] p = fam.stream().mapToDouble(m -> m.get("permutation_p") instanceof Number n ? n.doubleValue() : Double.NaN).toArray();
            double[] q = org.isaerft.score.MultipleTesting.benjaminiHochberg(p);
            for (int i = 0; i < fam.size(); i++) {
                fam.get(i).put("q_value", Double.isNaN(q[i]) ? null : q[i]);
            }
        }
        return out;
    }

    /** One line per control row with q &lt; 0.05. */
    public static List<String> warnings(List<Map<String, Object>> rows) {
        List<String> w = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (Boolean.TRUE.equals(r.get("is_control")) && r.get("q_value") instanceof Double q && q < 0.05) {
                w.add(String.format(Locale.ROOT, "control row %s / %s / %s / %s is significant: AUROC %s, p = %s, q = %s (a control "
                        + "should not be; method rows of this size are not evidence)", r.get("task"), r.get("sae_type"), r.get("component"),
                        r.get("method"), f(r.get("auroc")), f(r.get("permutation_p")), f(q)));
            }
        }
        return w;
    }

    /**
     * Recomputes the corrections of an existing {@code suite.json} (rows as written by an earlier version) and rewrites it
     * and {@code suite.md} beside it; the header line of suite.md is kept.
     */
    public static void retable(Path suiteJson) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> doc = Json.MAPPER.readValue(suiteJson.toFile(), LinkedHashMap.class);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = corrected((List<Map<String, Object>>) doc.get("rows"), List.of(CONTROL_TASK));
            Map<String, Object> out = new LinkedHashMap<>();
            doc.forEach((k, v) -> {
                if (!k.equals("rows") && !k.equals("warnings") && !k.equals("correction")) {
                    out.put(k, v);
                }
            });
            out.put("correction", CORRECTION);
            out.put("warnings", warnings(rows));
            out.put("rows", rows);
            Path md = suiteJson.resolveSibling("suite.md");
            String header = java.nio.file.Files.isRegularFile(md) ? java.nio.file.Files.readAllLines(md).get(2) : "model `" + doc.get("model") + "`";
            Json.writeFile(suiteJson, out);
            AtomicFiles.writeString(md, markdown(header, rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot retable " + suiteJson, e);
        }
    }

    /** One row per task × SAE × component × method from the run's validation and score outputs. */
    static List<Map<String, Object>> table(Path runDir) {
        JsonNode v;
        try {
            v = Json.MAPPER.readTree(new RunLayout(runDir).validation().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + new RunLayout(runDir).validation(), e);
        }
        Map<String, double[]> recovery = recovery(runDir);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode r : v.path("results")) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task", r.path("task").asText());
            row.put("sae", r.path("sae").asText());
            row.put("sae_type", r.path("sae_type").asText());
            row.put("component", r.path("component").asText());
            row.put("method", r.path("method").asText());
            JsonNode st = r.path("validation").path("stats");
            JsonNode ctl = r.path("validation").path("controls");
            row.put("n_latents", r.path("n_described").asInt());
            row.put("auroc", num(st.path("auroc")));
            row.put("auroc_ci95", st.path("auroc_ci").isObject() ? Map.of("low", st.path("auroc_ci").path("low").asDouble(), "high",
                    st.path("auroc_ci").path("high").asDouble()) : null);
            row.put("permutation_p", num(st.path("p_auroc")));
            row.put("shuffled_description_auroc", num(ctl.path("shuffled").path("auroc")));
            row.put("random_latent_auroc", num(ctl.path("random_latents").path("auroc_mean")));
            row.put("spearman", num(st.path("spearman")));
            row.put("precision_at_k", num(st.path("precision_at_k")));
            row.put("base_rate", num(st.path("base_rate"))); // precision@k of a random k, in expectation
            JsonNode audit = r.path("validation").path("audit");
            row.put("n_flagged", audit.path("n_flagged").isNumber() ? audit.path("n_flagged").asInt() : null);
            row.put("audit_k", audit.path("audit_k").isNumber() ? audit.path("audit_k").asInt() : null);
            // on a poisoned card: the fraction of the trigger latents (from model + SAE activations) the audit flagged
            JsonNode trig = audit.path("trigger");
            row.put("trigger_latents", trig.isObject() ? Json.MAPPER.convertValue(trig.path("trigger_latents"), List.class) : null);
            row.put("trigger_recall", trig.isObject() && !trig.path("trigger_latents").isEmpty() ? num(trig.path("recall")) : null);
            Path score = new RunLayout(runDir).scores(r.path("sae").asText(), r.path("method").asText(), "embedding").resolve("summary.json");
            JsonNode s = readOrNull(score);
            row.put("embedding_score", s == null ? null : num(s.path("explanations").path("mean")));
            row.put("embedding_score_shuffled", s == null ? null : num(s.path("shuffled").path("mean")));
            double[] rec = recovery.get(r.path("sae").asText() + "/" + r.path("component").asText());
            row.put("known_answer_recall_at_5", rec == null ? null : rec[0]);
            row.put("known_answer_chance_at_5", rec == null ? null : rec[1]);
            rows.add(row);
        }
        return rows;
    }

    /**
     * The known-answer recovery of the suite's run ({@code recovery/recovery.json}, when its config has a recovery section):
     * SAE/component → {recall@5 by activation change on planted cards at the main strength, chance 5/d_alive}.
     */
    static Map<String, double[]> recovery(Path runDir) {
        JsonNode rec = readOrNull(new RunLayout(runDir).recovery());
        Map<String, double[]> out = new LinkedHashMap<>();
        if (rec == null) {
            return out;
        }
        double main = rec.path("options").path("strength").asDouble();
        for (JsonNode c : rec.path("analysis").path("cells")) {
            JsonNode a = c.path("by_activation");
            if (c.path("kind").asText().equals("steered") && c.path("strength").asDouble() == main
                    && a.path("recall_at_5").path("mean").isNumber()) {
                out.put(c.path("sae").asText() + "/" + c.path("component").asText(),
                        new double[] {a.path("recall_at_5").path("mean").asDouble(), a.path("chance_at_5").asDouble()});
            }
        }
        return out;
    }

    private static JsonNode readOrNull(Path p) {
        if (!java.nio.file.Files.isRegularFile(p)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    private static Double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : null;
    }

    private static String f(Object o) {
        return o instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : o == null ? "–" : o.toString();
    }

    static String markdown(RunConfig cfg, List<Map<String, Object>> rows) {
        return markdown("model `" + cfg.model() + "`, seed " + cfg.seed() + ", corpus tokens " + cfg.corpus().tokens(), rows);
    }

    static String markdown(String header, List<Map<String, Object>> rows) {
        StringBuilder md = new StringBuilder("# Benchmark suite: task cards × SAE types × interpretation methods\n\n").append(header)
                .append("\n\n");
        for (String w : warnings(rows)) {
            md.append("- **WARNING:** ").append(w).append("\n");
        }
        long methodRows = rows.stream().filter(r -> !Boolean.TRUE.equals(r.get("is_control")) && r.get("permutation_p") != null).count();
        long sigP = rows.stream().filter(r -> !Boolean.TRUE.equals(r.get("is_control")) && r.get("permutation_p") instanceof Double p && p < 0.05).count();
        long sigQ = rows.stream().filter(r -> !Boolean.TRUE.equals(r.get("is_control")) && r.get("q_value") instanceof Double q && q < 0.05).count();
        md.append(String.format(Locale.ROOT, "%nMethod rows with p < 0.05: %d of %d; with q < 0.05: %d of %d. q = Benjamini–Hochberg q-value of the "
                + "permutation p within the method rows and, separately, within the control rows (the topic-free `control` card, labelled "
                + "control); verdicts use q, not p.%n%n", sigP, methodRows, sigQ, methodRows));
        md.append("AUROC: relevance of the descriptions of the k most-changed latents vs the rest (0.5 = chance; shuffled = ")
                .append("descriptions deranged across latents, random = k random latents). precision@k: fraction of the top k judged ")
                .append("on-task, beside its base rate over all latents. flagged: off-task changes among the audited most-changed latents. ")
                .append("trigger recall: on a poisoned card, the fraction of the trigger latents (found from model + SAE activations on ")
                .append("windows with vs without the trigger phrase) the audit flagged; \"none found\" = no latent passed the search's ")
                .append("thresholds (the run's report.md gives the strongest responder and its fate in the audit). emb. score: embedding ")
                .append("score of the method's explanations vs shuffled explanations. known-answer recall@5: the known-answer recovery ")
                .append("stage on the same SAE and component (not per card or method): share of planted latents ranked in the top 5 by ")
                .append("activation change, beside chance 5/d_alive; \"not run\" when the config has no recovery section or it did not ")
                .append("train this component.\n\n| task | SAE type | component | method | n | AUROC | 95% CI | perm. p | q | shuffled | random | Spearman | "
                        + "precision@k | base rate | flagged | trigger recall | emb. score | emb. shuffled | known-answer recall@5 |\n"
                        + "|---|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
        for (Map<String, Object> r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Double> ci = (Map<String, Double>) r.get("auroc_ci95");
            md.append("| ").append(r.get("task")).append(Boolean.TRUE.equals(r.get("is_control")) ? " (control)" : "").append(" | ").append(r.get("sae_type")).append(" | ").append(r.get("component"))
                    .append(" | ").append(r.get("method")).append(" | ").append(r.get("n_latents")).append(" | ").append(f(r.get("auroc")))
                    .append(" | ").append(ci == null ? "–" : "[" + f(ci.get("low")) + ", " + f(ci.get("high")) + "]").append(" | ")
                    .append(f(r.get("permutation_p"))).append(" | ").append(f(r.get("q_value"))).append(" | ")
                    .append(f(r.get("shuffled_description_auroc"))).append(" | ")
                    .append(f(r.get("random_latent_auroc"))).append(" | ").append(f(r.get("spearman"))).append(" | ")
                    .append(f(r.get("precision_at_k"))).append(" | ").append(f(r.get("base_rate"))).append(" | ")
                    .append(r.get("n_flagged") == null ? "–" : r.get("n_flagged") + "/" + r.get("audit_k")).append(" | ")
                    .append(r.get("trigger_latents") == null ? "–" : ((List<?>) r.get("trigger_latents")).isEmpty() ? "none found"
                            : f(r.get("trigger_recall")) + " of " + r.get("trigger_latents")).append(" | ")
                    .append(f(r.get("embedding_score"))).append(" | ")
                    .append(f(r.get("embedding_score_shuffled"))).append(" | ")
                    .append(r.get("known_answer_recall_at_5") == null ? "not run" : f(r.get("known_answer_recall_at_5")) + " (chance "
                            + f(r.get("known_answer_chance_at_5")) + ")").append(" |\n");
        }
        return md.toString();
    }
}
