package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.report.ReportModel.Finding;
import org.isaerft.report.ReportModel.Verdict;
import org.isaerft.score.MultipleTesting;

/**
 * The report's findings: one line per question the run answers, each verdict word decided by the
 * statistics (a 95% CI that excludes the baseline; Benjamini–Hochberg q &lt; 0.05 across the rows the
 * finding summarises), never written by hand. Control rows (the control card, shuffled descriptions,
 * random latents) never make a finding: a significant one becomes a warning.
 */
final class Findings {
    private Findings() {}

    static final double ALPHA = 0.05;
    static final double CHANCE = 0.5;

    /** How the verdict words are decided, printed under the findings. */
    static final String METHOD = "Verdicts: \"yes\" only when the 95% CI excludes the baseline in the stated direction. CIs across task "
            + "cards are percentile bootstraps that resample cards (paired for differences such as e2e − local or method A − B; "
            + Stats.RESAMPLES + " resamples; at least " + Stats.MIN_TASKS + " cards, else \"too few cards\"). p-values are corrected with "
            + "Benjamini–Hochberg (FDR) across the rows each finding summarises (the validation table: all method and control rows as one "
            + "family); significant means q < " + ALPHA + ". Control rows are listed as controls; a significant one is a warning.";

    /**
     * Findings, warnings, and the BH q-value of every comparison row (by row node).
     *
     * @param qValues q of each {@code comparison.json} row that has a permutation p (identity map)
     */
    record Result(List<Finding> findings, List<String> warnings, Map<JsonNode, Double> qValues) {
        Result {
            findings = List.copyOf(findings);
            warnings = List.copyOf(warnings);
        }
    }

    static Result of(RunFolder run) {
        List<Finding> f = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<JsonNode, Double> q = comparisonQ(run.comparison());
        f.add(adaptersLearn(run.adapters()));
        f.add(descriptionsMatch(run, q));
        f.add(controlsAtChance(run, q, warnings));
        f.add(beatShuffled(run));
        f.add(MoreFindings.saeTypes(run.comparison()));
        f.add(MoreFindings.methods(run));
        f.add(MoreFindings.trigger(run));
        f.add(MoreFindings.recovery(run.recovery(), warnings));
        return new Result(f, warnings, q);
    }

    /** Verdicts with the same word and evidence folded into one line naming how many subjects share it. */
    static List<Verdict> merge(List<Verdict> in) {
        Map<String, List<Verdict>> same = new LinkedHashMap<>();
        for (Verdict v : in) {
            same.computeIfAbsent(v.word() + "\u0000" + v.evidence(), k -> new ArrayList<>()).add(v);
        }
        List<Verdict> out = new ArrayList<>();
        for (List<Verdict> g : same.values()) {
            if (g.size() <= 2) {
                out.addAll(g);
            } else {
                String subject = (g.size() == in.size() ? "all " : "") + g.size() + " rows (" + g.get(0).subject() + "; " + g.get(1).subject() + "; …)";
                out.add(new Verdict(subject, g.get(0).word(), g.get(0).evidence()));
            }
        }
        return out;
    }

    static Finding notRun(String question, String why) {
        return new Finding(question, List.of(new Verdict("", "not run", why)));
    }

    // ---- adapters

    static final String Q_ADAPTERS = "Do adapters learn the task?";

    static Finding adaptersLearn(JsonNode adapters) {
        if (adapters == null || adapters.path("adapters").isEmpty()) {
            return notRun(Q_ADAPTERS, "no adapters/summary.json");
        }
        Map<String, Map<String, List<Double>>> byComp = new LinkedHashMap<>();
        for (JsonNode a : adapters.path("adapters")) {
            if (!a.path("adapted_task_loss").isNumber() || !a.path("base_task_loss").isNumber()) {
                continue;
            }
            byComp.computeIfAbsent(a.path("component").asText(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(a.path("task").asText(), k -> new ArrayList<>())
                    .add(a.path("adapted_task_loss").asDouble() - a.path("base_task_loss").asDouble());
        }
        List<Verdict> v = new ArrayList<>();
        for (var e : byComp.entrySet()) {
            List<Double> perTask = e.getValue().values().stream().map(Findings::mean).toList();
            long lower = perTask.stream().filter(d -> d < 0).count();
            Stats.TaskMean m = Stats.overTasks(perTask, "adapters/" + e.getKey()).orElseThrow();
            String word = !m.enough() ? "too few cards" : m.below(0) ? "yes" : m.above(0) ? "no: loss rises" : "no";
            v.add(new Verdict(e.getKey(), word, String.format(Locale.ROOT, "%s nats held-out loss vs base %s, lower on %d/%d cards",
                    signed(m.mean()), ci(m.low(), m.high()), lower, perTask.size())));
        }
        return v.isEmpty() ? notRun(Q_ADAPTERS, "no adapter has held-out losses") : new Finding(Q_ADAPTERS, v,
                "Change of held-out task loss (adapted − base), averaged over SAEs per card; 95% CI resamples cards.");
    }

    // ---- validation: relevance AUROC of the most-changed latents

    static final String Q_MATCH = "Do the most-changed latents' descriptions match the task?";

    /** BH across every comparison row with a permutation p (method and control rows: one family). */
    static Map<JsonNode, Double> comparisonQ(JsonNode cmp) {
        Map<JsonNode, Double> out = new IdentityHashMap<>();
        if (cmp == null) {
            return out;
        }
        List<JsonNode> rows = new ArrayList<>();
        cmp.path("rows").forEach(r -> {
            if (r.path("p_auroc").isNumber()) {
                rows.add(r);
            }
        });
        double[] p = rows.stream().mapToDouble(r -> r.path("p_auroc").asDouble()).toArray();
        double[] qs = MultipleTesting.benjaminiHochberg(p);
        for (int i = 0; i < rows.size(); i++) {
            out.put(rows.get(i), qs[i]);
        }
        return out;
    }

    /** A method row on a card with expectations (not a control of any kind). */
    static boolean isMethodRow(JsonNode r, List<String> controlTasks) {
        return !r.path("control").isTextual() && !controlTasks.contains(r.path("task").asText());
    }

    /** What kind of control a row is, or null for a method row. */
    static String controlKind(JsonNode r, List<String> controlTasks) {
        if (r.path("control").isTextual()) {
            return r.path("control").asText().equals("shuffled") ? "shuffled descriptions" : r.path("control").asText().replace('-', ' ');
        }
        return controlTasks.contains(r.path("task").asText()) ? "control card" : null;
    }

    /** A control row above chance after correction: q < alpha and AUROC > 0.5. */
    static boolean significantControl(JsonNode r, Double q) {
        return q != null && q < ALPHA && r.path("auroc").asDouble(0) > CHANCE;
    }

    static Finding descriptionsMatch(RunFolder run, Map<JsonNode, Double> q) {
        if (run.comparison() == null || run.comparison().path("rows").isEmpty()) {
            return notRun(Q_MATCH, "no validate/comparison.json");
        }
        List<String> controls = run.controlTasks();
        Map<String, Map<String, List<Double>>> byMethod = new TreeMap<>();
        Map<String, int[]> sig = new TreeMap<>();
        for (JsonNode r : run.comparison().path("rows")) {
            if (!isMethodRow(r, controls) || !r.path("auroc").isNumber()) {
                continue;
            }
            String m = r.path("method").asText();
            byMethod.computeIfAbsent(m, k -> new TreeMap<>()).computeIfAbsent(r.path("task").asText(), k -> new ArrayList<>())
                    .add(r.path("auroc").asDouble());
            int[] c = sig.computeIfAbsent(m, k -> new int[2]);
            c[1]++;
            Double qi = q.get(r);
            if (qi != null && qi < ALPHA) {
                c[0]++;
            }
        }
        List<Verdict> v = new ArrayList<>();
        for (var e : byMethod.entrySet()) {
            List<Double> perTask = e.getValue().values().stream().map(Findings::mean).toList();
            Stats.TaskMean m = Stats.overTasks(perTask, "match/" + e.getKey()).orElseThrow();
            String word = !m.enough() ? "too few cards" : m.above(CHANCE) ? "yes" : m.below(CHANCE) ? "below chance" : "at chance";
            int[] c = sig.get(e.getKey());
            v.add(new Verdict(e.getKey(), word, String.format(Locale.ROOT, "AUROC %.3f %s over %d cards; %d/%d rows q<%.2f", m.mean(),
                    ci(m.low(), m.high()), m.n(), c[0], c[1], ALPHA)));
        }
        return v.isEmpty() ? notRun(Q_MATCH, "no validated method row on a card with expectations") : new Finding(Q_MATCH, v,
                "Relevance AUROC of the top-k changed latents vs the rest (chance 0.5), averaged per card over SAEs and components, control "
                        + "card excluded; 95% CI resamples cards; rows: permutation p per SAE × card × component, BH q over the whole table.");
    }

    static final String Q_CONTROLS = "Are the controls at chance?";

    static Finding controlsAtChance(RunFolder run, Map<JsonNode, Double> q, List<String> warnings) {
        if (run.comparison() == null) {
            return notRun(Q_CONTROLS, "no validate/comparison.json");
        }
        List<String> controls = run.controlTasks();
        Map<String, int[]> byKind = new TreeMap<>();
        for (JsonNode r : run.comparison().path("rows")) {
            String kind = controlKind(r, controls);
            if (kind == null) {
                continue;
            }
            Double qi = q.get(r);
            String where = r.path("sae_type").asText() + "/" + r.path("task").asText() + "/" + r.path("component").asText() + "/"
                    + r.path("method").asText();
            if (qi != null) {
                int[] c = byKind.computeIfAbsent(kind, k -> new int[2]);
                c[1]++;
                if (significantControl(r, qi)) {
                    c[0]++;
                    warnings.add(String.format(Locale.ROOT, "Control row significant: %s on %s — AUROC %.3f, p %.3f, q %.3f (BH). A control "
                            + "should be at chance; findings of this method may be inflated.", kind, where, r.path("auroc").asDouble(),
                            r.path("p_auroc").asDouble(), qi));
                }
            } else if (r.path("auroc_ci").path("low").isNumber()) {
                int[] c = byKind.computeIfAbsent(kind + " (95% CI, uncorrected)", k -> new int[2]);
                c[1]++;
                if (r.path("auroc_ci").path("low").asDouble() > CHANCE) {
                    c[0]++;
                    warnings.add(String.format(Locale.ROOT, "Control row above chance: %s on %s — AUROC %.3f, 95%% CI %s excludes 0.5 "
                            + "(uncorrected). A control should be at chance.", kind, where, r.path("auroc").asDouble(),
                            ci(r.path("auroc_ci").path("low").asDouble(), r.path("auroc_ci").path("high").asDouble())));
                }
            }
        }
        List<Verdict> v = new ArrayList<>();
        for (var e : byKind.entrySet()) {
            int[] c = e.getValue();
            v.add(new Verdict(e.getKey(), c[0] == 0 ? "yes" : "no", String.format(Locale.ROOT, "%d/%d control rows above chance%s", c[0], c[1],
                    e.getKey().contains("CI") ? "" : String.format(Locale.ROOT, " at q<%.2f", ALPHA))));
        }
        return v.isEmpty() ? notRun(Q_CONTROLS, "no control row") : new Finding(Q_CONTROLS, v,
                "Control rows: the control card (no expected concepts), shuffled descriptions and random latents; each should be at chance. "
                        + "A significant one is listed under Warnings, never as a finding.");
    }

    // ---- scores

    static final String Q_SHUFFLED = "Do explanations predict activations better than shuffled ones?";

    static Finding beatShuffled(RunFolder run) {
        List<Verdict> v = new ArrayList<>();
        for (var e : run.scores().entrySet()) {
            JsonNode n = e.getValue();
            JsonNode ex = n.path("explanations");
            JsonNode ci = ex.path("ci95");
            JsonNode sh = n.path("shuffled").path("mean");
            if (!ex.path("mean").isNumber()) {
                continue;
            }
            String subject = e.getKey().toString().replace('\\', '/');
            if (!sh.isNumber() || !ci.path("low").isNumber()) {
                v.add(new Verdict(subject, "not tested", String.format(Locale.ROOT, "mean %.3f; no shuffled baseline or CI", ex.path("mean").asDouble())));
                continue;
            }
            double lo = ci.path("low").asDouble();
            double hi = ci.path("high").asDouble();
            String word = lo > sh.asDouble() ? "yes" : hi < sh.asDouble() ? "worse" : "no";
            v.add(new Verdict(subject, word, String.format(Locale.ROOT, "%.3f %s vs shuffled %.3f", ex.path("mean").asDouble(),
                    ci(lo, hi), sh.asDouble())));
        }
        return v.isEmpty() ? notRun(Q_SHUFFLED, "no score/*/summary.json") : new Finding(Q_SHUFFLED, v,
                "Mean score per SAE/method/scorer with its 95% CI over latents, against the same explanations shuffled across latents.");
    }

    // ---- helpers

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** A signed number with a real minus sign. */
    static String signed(double v) {
        if (Math.abs(v) < 0.0005) {
            return "0.000";
        }
        String s = String.format(Locale.ROOT, "%+.3f", v);
        return s.startsWith("-") ? "\u2212" + s.substring(1) : s;
    }

    static String ci(double lo, double hi) {
        return "[" + signedOrPlain(lo) + ", " + signedOrPlain(hi) + "]";
    }

    private static String signedOrPlain(double v) {
        String s = String.format(Locale.ROOT, "%.3f", v);
        return s.startsWith("-") ? "\u2212" + s.substring(1) : s;
    }
}
