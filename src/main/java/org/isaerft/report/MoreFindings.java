package org.isaerft.report;

import static org.isaerft.report.Findings.ALPHA;
import static org.isaerft.report.Findings.ci;
import static org.isaerft.report.Findings.isMethodRow;
import static org.isaerft.report.Findings.merge;
import static org.isaerft.report.Findings.notRun;
import static org.isaerft.report.Findings.signed;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.isaerft.report.ReportModel.Finding;
import org.isaerft.report.ReportModel.Verdict;
import org.isaerft.score.MultipleTesting;

/**
 * The findings that compare across task cards (e2e vs local SAEs, method A vs B: paired differences
 * whose CI resamples cards), the planted-trigger check and the known-answer recovery. Same rules as
 * {@link Findings}: verdict words from CIs and BH q-values only.
 */
final class MoreFindings {
    private MoreFindings() {}

    // ---- cross-task differences

    static final String Q_SAE = "e2e vs local SAEs: do the descriptions match the task better?";

    static Finding saeTypes(JsonNode cmp) {
        if (cmp == null) {
            return notRun(Q_SAE, "no validate/comparison.json");
        }
        List<JsonNode> rows = new ArrayList<>();
        cmp.path("paired").forEach(d -> {
            if (d.path("metric").asText().equals("auroc") && d.path("differences").size() > 0) {
                rows.add(d);
            }
        });
        if (rows.isEmpty()) {
            return notRun(Q_SAE, "no card has validations of two SAE types for the same method and component");
        }
        List<Diff> diffs = new ArrayList<>();
        for (JsonNode d : rows) {
            List<Double> x = new ArrayList<>();
            d.path("differences").forEach(n -> x.add(n.asDouble()));
            diffs.add(new Diff(d.path("sae_b").asText(), d.path("sae_a").asText(), d.path("method").asText() + ", " + d.path("component").asText(), x));
        }
        return new Finding(Q_SAE, merge(decide(diffs, "sae")), DIFF_NOTE);
    }

    static final String Q_METHODS = "Which interpretation method's descriptions match the task better?";

    static Finding methods(RunFolder run) {
        if (run.comparison() == null) {
            return notRun(Q_METHODS, "no validate/comparison.json");
        }
        List<String> controls = run.controlTasks();
        // sae type + component -> method -> task -> auroc
        Map<String, Map<String, Map<String, Double>>> cells = new TreeMap<>();
        for (JsonNode r : run.comparison().path("rows")) {
            if (isMethodRow(r, controls) && r.path("auroc").isNumber()) {
                cells.computeIfAbsent(r.path("sae_type").asText() + ", " + r.path("component").asText(), k -> new TreeMap<>())
                        .computeIfAbsent(r.path("method").asText(), k -> new TreeMap<>()).put(r.path("task").asText(), r.path("auroc").asDouble());
            }
        }
        List<Diff> diffs = new ArrayList<>();
        for (var c : cells.entrySet()) {
            List<String> ms = new ArrayList<>(c.getValue().keySet());
            for (int i = 0; i < ms.size(); i++) {
                for (int j = i + 1; j < ms.size(); j++) {
                    Map<String, Double> a = c.getValue().get(ms.get(i));
                    Map<String, Double> b = c.getValue().get(ms.get(j));
                    List<Double> d = new ArrayList<>();
                    for (String t : new TreeSet<>(a.keySet())) {
                        if (b.containsKey(t)) {
                            d.add(a.get(t) - b.get(t));
                        }
                    }
                    if (!d.isEmpty()) {
                        diffs.add(new Diff(ms.get(i), ms.get(j), c.getKey(), d));
                    }
                }
            }
        }
        return diffs.isEmpty() ? notRun(Q_METHODS, "fewer than two methods validated on the same cards") : new Finding(Q_METHODS, merge(decide(diffs, "method")), DIFF_NOTE);
    }

    static final String DIFF_NOTE = "Relevance AUROC difference A − B paired by card (control card excluded); 95% CI resamples cards; p: exact "
            + "two-sided sign-flip test over cards, q: BH across these rows; a verdict needs both (with n cards the smallest possible p is 2^(1−n)).";

    /** A paired difference A − B of relevance AUROC, one value per task card. */
    record Diff(String a, String b, String where, List<Double> perTask) {
        Diff {
            perTask = List.copyOf(perTask);
            if (perTask.isEmpty()) {
                throw new IllegalArgumentException("difference " + a + " − " + b + " needs at least one card");
            }
        }
    }

    /** Task-bootstrap CI and exact sign-flip p per difference, BH across the differences; the verdict needs both. */
    static List<Verdict> decide(List<Diff> diffs, String seedKey) {
        double[] p = diffs.stream().mapToDouble(d -> Stats.signFlipP(d.perTask())).toArray();
        double[] q = MultipleTesting.benjaminiHochberg(p);
        List<Verdict> v = new ArrayList<>();
        for (int i = 0; i < diffs.size(); i++) {
            Diff d = diffs.get(i);
            Stats.TaskMean m = Stats.overTasks(d.perTask(), seedKey + "/" + d.a() + "-" + d.b() + "/" + d.where()).orElseThrow();
            boolean sig = q[i] < ALPHA;
            String word = !m.enough() ? "too few cards" : m.above(0) && sig ? d.a() + " better" : m.below(0) && sig ? d.b() + " better"
                    : "no difference shown";
            v.add(new Verdict(d.a() + " − " + d.b() + " (" + d.where() + ")", word, String.format(Locale.ROOT, "%s %s over %d cards, p %.3f, q %.3f",
                    signed(m.mean()), ci(m.low(), m.high()), m.n(), p[i], q[i])));
        }
        return v;
    }

    // ---- planted trigger

    static final String Q_TRIGGER = "Planted trigger found by the data audit?";

    static Finding trigger(RunFolder run) {
        JsonNode t = run.trigger();
        if (t == null) {
            return notRun(Q_TRIGGER, "no validate/trigger.json");
        }
        List<JsonNode> rows = new ArrayList<>();
        t.path("rows").forEach(rows::add);
        List<Verdict> plantedVerdicts = new ArrayList<>();
        for (JsonNode r : t.path("planted")) {
            String subject = r.path("sae").asText() + ", " + r.path("task").asText() + ", " + r.path("component").asText() + ", "
                    + r.path("method").asText() + ": planted latent " + r.path("planted_latent").asInt() + " of " + r.path("planted_sae").asText();
            String word = ValidationSections.plantedVerdict(r);
            String evidence = r.path("skipped").isTextual() ? r.path("skipped").asText() : String.format(Locale.ROOT, "answer %d (cosine %.2f): %s%s",
                    r.path("answer").asInt(), r.path("cosine").asDouble(), r.path("why").asText(), r.path("clean_flagged_count").isNumber()
                            ? String.format(Locale.ROOT, "; clean twin %s: %d/%d flagged%s", r.path("clean_task").asText(),
                                    r.path("clean_flagged_count").asInt(), r.path("clean_audit_k").asInt(),
                                    r.path("flagged_on_clean").asBoolean(false) ? ", the answer among them" : "")
                            : "");
            plantedVerdicts.add(new Verdict(subject, word.startsWith("flagged") ? "yes (planted answer flagged)" : word.equals("not flagged")
                    ? "no (planted answer not flagged)" : word, evidence));
        }
        if (rows.isEmpty() && plantedVerdicts.isEmpty()) {
            return notRun(Q_TRIGGER, "no poisoned card in the run");
        }
        double[] p = new double[rows.size()];
        int[] hits = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            int n = r.path("latents").size();
            for (JsonNode l : r.path("latents")) {
                hits[i] += l.path("flagged").asBoolean() ? 1 : 0;
            }
            Integer pop = latentCount(run.comparison(), r);
            p[i] = n == 0 || pop == null || !r.path("audit_k").isNumber() ? Double.NaN
                    : Stats.hypergeometricUpper(pop, Math.min(n, pop), Math.min(pop, r.path("audit_k").asInt()), hits[i]);
        }
        double[] q = MultipleTesting.benjaminiHochberg(p);
        List<Verdict> v = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            String subject = r.path("sae").asText() + ", " + r.path("task").asText() + ", " + r.path("component").asText() + ", "
                    + r.path("method").asText();
            int n = r.path("latents").size();
            if (r.path("skipped").isTextual()) {
                v.add(new Verdict(subject, "not tested", r.path("skipped").asText()));
            } else if (n == 0) {
                v.add(new Verdict(subject, "no trigger latent found", "no latent passes the activation search for the trigger phrase"));
            } else if (Double.isNaN(p[i])) {
                v.add(new Verdict(subject, hits[i] > 0 ? "flagged, untested" : "no", String.format(Locale.ROOT,
                        "%d/%d trigger latents flagged (latent count unknown: no test)", hits[i], n)));
            } else {
                v.add(new Verdict(subject, q[i] < ALPHA ? "yes" : hits[i] > 0 ? "flagged, not significant" : "no", String.format(Locale.ROOT,
                        "%d/%d trigger latents in the top-%d audit list, p %.3g, q %.3g%s", hits[i], n,
                        r.path("audit_k").asInt(), p[i], q[i], r.path("clean_recall").isNumber()
                                ? String.format(Locale.ROOT, "; clean card %s: recall %.2f", r.path("clean_task").asText(), r.path("clean_recall").asDouble())
                                : "")));
            }
        }
        v.addAll(plantedVerdicts);
        return new Finding(Q_TRIGGER, merge(v), "Trigger latents come from activations (windows with vs without the phrase), never from "
                + "descriptions; p: hypergeometric chance that a random audit list of that length holds that many of them; q: BH across rows."
                + (plantedVerdicts.isEmpty() ? "" : " Planted poison cards: the planted latent's best-matching latent on each SAE (the "
                        + "known answer) against the audit, untested (one latent, no chance model)."));
    }

    /** The number of latents the audit ranked for a trigger row (described latents), from the matching comparison row. */
    static Integer latentCount(JsonNode cmp, JsonNode trig) {
        if (cmp == null) {
            return null;
        }
        for (JsonNode r : cmp.path("rows")) {
            if (!r.path("control").isTextual() && r.path("sae").asText().equals(trig.path("sae").asText())
                    && r.path("task").asText().equals(trig.path("task").asText())
                    && r.path("component").asText().equals(trig.path("component").asText())
                    && r.path("method").asText().equals(trig.path("method").asText()) && r.path("n_latents").asInt() > 0) {
                return r.path("n_latents").asInt();
            }
        }
        return null;
    }

    // ---- known-answer recovery (a later stage: rendered when its output exists)

    static final String Q_RECOVERY = "Known-answer recovery: are the planted latents recovered?";

    static Finding recovery(JsonNode rec, List<String> warnings) {
        if (rec == null) {
            return notRun(Q_RECOVERY, "no recovery stage output (recovery/recovery.json)");
        }
        double main = Recovery.strength(rec);
        List<Verdict> v = new ArrayList<>();
        for (Recovery.Cell c : Recovery.cells(rec)) {
            if (c.kind().equals("steered") && c.strength() == main) {
                String word = c.low() == null ? "measured" : c.aboveChance() ? "yes" : "no";
                v.add(new Verdict(c.subject(), word, String.format(Locale.ROOT, "recall@%d %.3f%s vs chance k/d_alive %.3f (d_alive %d), "
                        + "%d tasks, S=%s; recall@20 %.3f; AUROC %s (0.5 = chance); random-latent plant %.3f%s", Recovery.K, c.recall(),
                        c.low() == null ? "" : " " + ci(c.low(), c.high()), c.chance(), c.dAlive(), c.tasks(), fmtS(c.strength()), c.recall20(),
                        c.auroc() == null ? "–" : String.format(Locale.ROOT, "%.2f", c.auroc()),
                        c.randomPlant() == null ? Double.NaN : c.randomPlant(), c.randomLow() == null ? "" : " " + ci(c.randomLow(), c.randomHigh()))));
                if (c.randomLow() != null && c.randomLow() > c.chance()) {
                    warnings.add(String.format(Locale.ROOT, "Recovery control above chance: random-latent plant on %s — recall@5 %.3f, 95%% Wilson CI %s "
                            + "(pooled over its adapters) excludes chance %.3f. A random latent should be at chance; the recovery finding may be inflated.", c.subject(),
                            c.randomPlant(), ci(c.randomLow(), c.randomHigh()), c.chance()));
                }
            } else if (c.kind().equals("control") && c.aboveChance()) {
                warnings.add(String.format(Locale.ROOT, "Recovery control above chance: the unsteered twin on %s ranks the planted answers "
                        + "recall@%d %.3f, 95%% CI %s excludes chance %.3f. The data alone moves these latents; the recovery finding may be "
                        + "inflated.", c.subject(), Recovery.K, c.recall(), ci(c.low(), c.high()), c.chance()));
            }
        }
        for (Recovery.Cell c : Recovery.cells(rec)) {
            if (c.kind().equals("control")) {
                v.add(new Verdict("control: unsteered twin, " + c.subject(), c.low() == null ? "measured" : c.aboveChance() ? "above chance"
                        : "at chance", String.format(Locale.ROOT, "recall@%d %.3f%s vs chance %.3f", Recovery.K, c.recall(),
                        c.low() == null ? "" : " " + ci(c.low(), c.high()), c.chance())));
            }
        }
        return v.isEmpty() ? notRun(Q_RECOVERY, "the recovery output has no recall cells") : new Finding(Q_RECOVERY, v,
                "A latent's residual direction is planted into sampled text (strength S × its max activation); each component is trained "
                        + "on the planted card and the SAE's matching latent is ranked by mean |activation change| on held-out planted text. "
                        + "95% CI: bootstrap over planted tasks; chance: k/d_alive. Controls: the adapter trained on the unsteered twin "
                        + "(same seeds, no plant) asked about the same answers (CI over tasks), and the planted adapter asked about random "
                        + "latents (95% Wilson CI pooled over its adapters' draws); a control above chance is listed under Warnings.");
    }

    static String fmtS(double s) {
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }
}
