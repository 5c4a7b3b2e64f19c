package org.isaerft.report;

import static org.isaerft.report.Cells.columns;
import static org.isaerft.report.Cells.field;
import static org.isaerft.report.Cells.num;
import static org.isaerft.report.Cells.row;
import static org.isaerft.report.Cells.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.isaerft.report.ReportModel.Chart;
import org.isaerft.report.ReportModel.Part;
import org.isaerft.report.ReportModel.Row;
import org.isaerft.report.ReportModel.Section;
import org.isaerft.report.ReportModel.Table;
import org.isaerft.score.MultipleTesting;

/** The validate stage's detail sections (and the recovery stage's): relevance AUROC per method and control, audit, trigger. */
final class ValidationSections {
    private final RunFolder run;
    private final Map<JsonNode, Double> q;
    private final List<String> controlTasks;

    ValidationSections(RunFolder run, Map<JsonNode, Double> q) {
        this.run = run;
        this.q = q;
        this.controlTasks = run.controlTasks();
    }

    /** The BH q of the comparison row for this cell and control (null control = the method itself), or null. */
    private Double qOf(String sae, String task, String component, String method, String control) {
        if (run.comparison() == null) {
            return null;
        }
        for (JsonNode r : run.comparison().path("rows")) {
            if (r.path("sae").asText().equals(sae) && r.path("task").asText().equals(task) && r.path("component").asText().equals(component)
                    && r.path("method").asText().equals(method)
                    && (control == null ? !r.path("control").isTextual() : control.equals(r.path("control").asText()))) {
                return q.get(r);
            }
        }
        return null;
    }

    Section validation() {
        JsonNode v = run.validation();
        JsonNode cmp = run.comparison();
        if (v == null && cmp == null) {
            return null;
        }
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("Relevance of each explained latent's description to the task (embedding similarity to the task description and "
                + "expected concepts), the adapter's top-k changed latents vs the rest, as AUROC (0.5 = chance). q: Benjamini–Hochberg over "
                + "every p-value of the comparison table below (methods and controls together)."));
        if (cmp != null) {
            charts(cmp, parts);
        }
        if (v != null) {
            List<Row> rows = new ArrayList<>();
            for (JsonNode r : v.path("results")) {
                JsonNode val = r.path("validation");
                JsonNode st = val.path("stats");
                JsonNode rnd = val.path("controls").path("random_latents");
                String task = r.path("task").asText();
                boolean controlCard = controlTasks.contains(task);
                if (r.path("skipped").isTextual()) {
                    rows.add(row("skipped", List.of(field(r, "sae"), field(r, "task"), field(r, "component"), field(r, "method"),
                            Cells.integer(r.path("n_described")), Cells.integer(val.path("k")), text("skipped: " + r.path("skipped").asText()),
                            text(null), text(null), text(null), text(null), text(null), text(null), text(null), text(null))));
                    continue;
                }
                Double qv = qOf(r.path("sae").asText(), task, r.path("component").asText(), r.path("method").asText(), null);
                rows.add(row(controlCard ? "control" : "", List.of(field(r, "sae"), text(task + (controlCard ? " (control card)" : "")),
                        field(r, "component"), field(r, "method"), Cells.integer(r.path("n_described")), Cells.integer(val.path("k")),
                        num(st.path("auroc")), text(Cells.ci(st.path("auroc_ci"))), num(st.path("p_auroc")), num(qv), num(st.path("spearman")),
                        num(st.path("precision_at_k")), text(overlap(st)), num(val.path("controls").path("shuffled").path("auroc")),
                        text(Cells.fmt(rnd.path("auroc_mean")) + " [" + Cells.fmt(rnd.path("auroc_low")) + ", " + Cells.fmt(rnd.path("auroc_high")) + "]"))));
            }
            parts.add(Part.heading("Per SAE, card and method"));
            parts.add(Part.table(new Table("validation", columns("SAE", "task", "component", "method", "#n", "#k", "#AUROC", "95% CI", "#perm. p",
                    "#q (BH)", "#Spearman", "#precision@k", "overlap@k (exp., p)", "#shuffled", "random latents"), rows)));
        }
        if (cmp != null) {
            List<Row> rows = new ArrayList<>();
            for (JsonNode r : cmp.path("rows")) {
                String kind = Findings.controlKind(r, controlTasks);
                Double qv = q.get(r);
                boolean warn = kind != null && (Findings.significantControl(r, qv)
                        || qv == null && r.path("auroc_ci").path("low").asDouble(0) > Findings.CHANCE);
                rows.add(row(warn ? "control warning" : kind != null ? "control" : "", List.of(field(r, "task"), field(r, "component"),
                        field(r, "method"), text(kind == null ? "— (method)" : kind), field(r, "sae_type"), num(r.path("auroc")),
                        text(Cells.ci(r.path("auroc_ci"))), num(r.path("p_auroc")), num(qv), num(r.path("spearman")), num(r.path("precision_at_k")),
                        text(r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() + "/" + r.path("audit_k").asInt() : null))));
            }
            parts.add(Part.heading("Methods and controls across SAE types"));
            parts.add(Part.text("Each method beside its controls (shuffled descriptions, random latents, the control card). A control row with "
                    + "q < 0.05 above chance is marked and repeated as a warning at the top."));
            parts.add(Part.table(new Table("sae-comparison", columns("task", "component", "method", "control", "SAE type", "#AUROC", "95% CI",
                    "#perm. p", "#q (BH)", "#Spearman", "#precision@k", "flagged"), rows)));
            parts.add(Part.heading("e2e vs local SAEs (paired over task cards)"));
            // BH within each metric's paired rows (the same family as the e2e-vs-local finding for AUROC)
            Map<String, List<JsonNode>> byMetric = new LinkedHashMap<>();
            cmp.path("paired").forEach(d -> byMetric.computeIfAbsent(d.path("metric").asText(), k -> new ArrayList<>()).add(d));
            Map<JsonNode, Double> pairedQ = new java.util.IdentityHashMap<>();
            for (List<JsonNode> fam : byMetric.values()) {
                double[] qs = MultipleTesting.benjaminiHochberg(fam.stream()
                        .mapToDouble(d -> d.path("p_two_sided").isNumber() ? d.path("p_two_sided").asDouble() : Double.NaN).toArray());
                for (int i = 0; i < fam.size(); i++) {
                    pairedQ.put(fam.get(i), qs[i]);
                }
            }
            List<String> lines = new ArrayList<>();
            for (JsonNode d : cmp.path("paired")) {
                lines.add(d.path("sae_b").asText() + " − " + d.path("sae_a").asText() + " (" + d.path("metric").asText() + ", "
                        + d.path("method").asText() + ", " + d.path("component").asText() + "): mean difference " + Cells.fmt(d.path("mean_difference"))
                        + " " + Cells.ci(d.path("ci")) + " over " + d.path("tasks").size() + " task cards (cards resampled), p (two-sided) "
                        + Cells.fmt(d.path("p_two_sided")) + ", q (BH within " + d.path("metric").asText() + ") " + Cells.fmt(pairedQ.get(d)));
            }
            parts.add(lines.isEmpty() ? Part.text("No task card has validations for two SAE types of the same method and component.")
                    : Part.bullets(lines));
        }
        return new Section("validation", "Validation", parts);
    }

    /** One AUROC chart per method: bars per SAE type × card with CI whiskers, the shuffled control's CI as a band, chance at 0.5. */
    private void charts(JsonNode cmp, List<Part> parts) {
        Map<String, Map<String, Map<String, JsonNode>>> byMethod = new TreeMap<>();
        for (var e : Summary.comparisonCells(cmp).entrySet()) {
            JsonNode r = e.getValue().get("");
            if (r == null) {
                continue;
            }
            String method = r.path("method").asText() + " (" + r.path("component").asText() + ")";
            byMethod.computeIfAbsent(method, k -> new LinkedHashMap<>()).put(r.path("sae_type").asText() + "/" + r.path("task").asText(), e.getValue());
        }
        for (var m : byMethod.entrySet()) {
            List<String> cats = new ArrayList<>();
            Svg.Collect auroc = new Svg.Collect();
            Svg.Collect shuffled = new Svg.Collect();
            for (var c : m.getValue().entrySet()) {
                JsonNode r = c.getValue().get("");
                JsonNode sh = c.getValue().get("shuffled");
                cats.add(c.getKey() + (controlTasks.contains(r.path("task").asText()) ? " (control)" : ""));
                auroc.add(RunFolder.num(r.path("auroc")), r.path("auroc_ci"));
                shuffled.add(sh == null ? null : RunFolder.num(sh.path("auroc")), sh == null ? com.fasterxml.jackson.databind.node.MissingNode
                        .getInstance() : sh.path("auroc_ci"));
            }
            String title = "Relevance AUROC: " + m.getKey();
            parts.add(Part.chart(new Chart(title, Svg.bars(title, "AUROC", cats, List.of(auroc.series("AUROC")),
                    shuffled.band("shuffled control 95% CI"), 0.5, "chance"), "Whiskers: 95% CI; grey band: shuffled-description "
                            + "control's 95% CI; dashed: chance.")));
        }
    }

    Section audit() {
        JsonNode a = run.audit();
        if (a == null) {
            return null;
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : a.path("flagged")) {
            rows.add(row("", List.of(field(r, "sae"), field(r, "task"), field(r, "component"), field(r, "method"),
                    Cells.latent(run, r.path("sae").asText(), r.path("latent").asText()), num(r.path("change")), num(r.path("relevance")),
                    field(r, "description"), field(r, "example"), text(r.path("example_has_trigger").isBoolean() ? r.path("example_has_trigger").asText() : null),
                    text(r.path("trigger_latent").isBoolean() ? r.path("trigger_latent").asText() : null))));
        }
        return new Section("audit", "Data audit: off-task changes", List.of(Part.text("Among each adapter's most-changed latents, the ones "
                + "whose description matches the task least (possible data poisoning or bias)."), Part.table(new Table("audit",
                        columns("SAE", "task", "component", "method", "latent", "#change", "#relevance", "description", "top example",
                                "trigger in example", "trigger latent"), rows))));
    }

    Section trigger() {
        JsonNode t = run.trigger();
        if (t == null) {
            return null;
        }
        List<String> searches = new ArrayList<>();
        for (JsonNode s : t.path("searches")) {
            searches.add(searchText(s));
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : t.path("rows")) {
            TriggerCells tc = new TriggerCells(r);
            rows.add(row("", List.of(field(r, "sae"), field(r, "task"), field(r, "component"), field(r, "method"), text(tc.latents), text(tc.flagged),
                    num(r.path("recall")), text(tc.poisonedCount), text(tc.cleanCount), text(tc.onClean), text(tc.why))));
        }
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("The latents that respond to a poisoned card's trigger phrase, found from the model and SAE activations (windows with "
                + "vs without the phrase; never from descriptions), checked against the poisoned card's flagged off-task changes, beside the "
                + "clean card's audit."));
        if (!searches.isEmpty()) {
            parts.add(Part.bullets(searches));
        }
        if (!rows.isEmpty() || t.path("planted").isEmpty()) {
            parts.add(Part.table(new Table("trigger", columns("SAE", "poisoned card", "component", "method", "trigger latents",
                    "flagged trigger latents (audit rank)", "#recall", "flagged: poisoned", "flagged: clean", "trigger latents flagged on clean",
                    "why not flagged"), rows)));
        }
        List<Row> planted = new ArrayList<>();
        for (JsonNode r : t.path("planted")) {
            planted.add(row(r.path("matched").asBoolean() ? "" : "control", List.of(field(r, "sae"), field(r, "task"), field(r, "component"),
                    field(r, "method"), text(r.path("planted_latent").asInt() + " of " + r.path("planted_sae").asText()),
                    text(String.valueOf(r.path("answer").asInt())), num(r.path("cosine")), text(plantedVerdict(r)),
                    text(r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() + "/" + r.path("audit_k").asInt() : Cells.NONE),
                    text(r.path("clean_flagged_count").isNumber() ? r.path("clean_flagged_count").asInt() + "/" + r.path("clean_audit_k").asInt()
                            + " (" + r.path("clean_task").asText() + ")" : Cells.NONE),
                    text(!r.path("flagged_on_clean").isBoolean() ? Cells.NONE : r.path("flagged_on_clean").asBoolean() ? "yes" : "no"),
                    text(r.path("skipped").isTextual() ? r.path("skipped").asText() : r.path("why").asText(Cells.NONE)))));
        }
        if (!planted.isEmpty()) {
            parts.add(Part.text("Planted poison cards (isaerft task plant): the ground truth is the planted latent. On each SAE at the card's "
                    + "hook the right answer is the latent whose residual direction has the highest cosine with the planted one (1 on the "
                    + "source SAE; below 0.5 the SAE has no matching latent). The card's expectation is the clean task, so the answer "
                    + "should be flagged off-task on the poison card and not on its clean twin."));
            parts.add(Part.table(new Table("trigger-planted", columns("SAE", "poison card", "component", "method", "planted latent",
                    "answer", "#cosine", "flagged (audit rank)", "flagged: poison", "flagged: clean twin", "answer flagged on clean twin",
                    "why"), planted)));
        }
        return new Section("trigger", "Planted poison: trigger latents vs the data audit", parts);
    }

    /** A planted row's verdict in words: flagged at which rank, not flagged, no matching latent, or not tested. */
    static String plantedVerdict(JsonNode r) {
        if (r.path("skipped").isTextual()) {
            return "not tested";
        }
        if (!r.path("matched").asBoolean()) {
            return "no matching latent";
        }
        return r.path("flagged").asBoolean() ? "flagged at " + r.path("audit_rank").asInt() + " of " + r.path("n_flagged").asInt() : "not flagged";
    }

    Section recovery() {
        JsonNode rec = run.recovery();
        if (rec == null) {
            return null;
        }
        List<Row> rows = new ArrayList<>();
        Double chance = null;
        for (Recovery.Cell c : Recovery.cells(rec)) {
            String kind = c.kind().equals("control") ? "control: unsteered twin" : "planted, S=" + MoreFindings.fmtS(c.strength());
            rows.add(row(c.kind().equals("control") ? "control" : "", List.of(text(kind), text(c.sae()), text(c.component()),
                    text(String.valueOf(c.tasks())), num(c.recall1()), num(c.recall()),
                    text(c.low() == null ? null : "[" + Cells.fmt(c.low()) + ", " + Cells.fmt(c.high()) + "]"), num(c.recall20()),
                    num(c.chance()), num(c.auroc()), num(c.randomPlant()))));
            chance = chance == null ? c.chance() : chance;
        }
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("Planted latents with a known answer: a latent's residual direction is added while sampling text, adapters are "
                + "trained on it, and the SAE's matching latent is ranked by measured activation change (1 = most changed). Recall@k: "
                + "share of planted tasks whose answer ranks in the top k; chance k/d_alive."));
        Map<String, List<double[]>> sweep = Recovery.sweep(rec);
        if (!sweep.isEmpty()) {
            List<Svg.Line> lines = new ArrayList<>();
            sweep.forEach((name, pts) -> lines.add(new Svg.Line(name, pts)));
            String title = "Recall@" + Recovery.K + " of the planted latent against plant strength S (sweep tasks)";
            parts.add(Part.chart(new Chart(title, Svg.lines(title, "strength S", "recall@" + Recovery.K, lines, chance, "chance"), "")));
        }
        parts.add(Part.table(new Table("recovery", columns("cards", "SAE", "component", "tasks", "#recall@1", "#recall@5", "95% CI (@5)",
                "#recall@20", "#chance@5", "#AUROC", "#random latent @5"), rows)));
        return new Section("recovery", "Known-answer recovery", parts);
    }

    /** One trigger search in words. */
    static String searchText(JsonNode s) {
        String head = s.path("sae").asText() + " on " + s.path("task").asText() + " ('" + s.path("trigger").asText() + "'): ";
        if (!s.path("result").isObject()) {
            return head + "no search: " + s.path("skipped").asText();
        }
        JsonNode r = s.path("result");
        StringBuilder sb = new StringBuilder(head).append(r.path("windows_with").asInt()).append(" windows with the phrase, ")
                .append(r.path("windows_without").asInt()).append(" without; ");
        if (r.path("latents").isEmpty()) {
            JsonNode top = r.path("top_by_effect").path(0);
            sb.append(String.format(Locale.ROOT, "no latent passes effect d >= %.2f and mean ratio >= %.1f", r.path("min_effect").asDouble(),
                    r.path("min_ratio").asDouble()));
            if (top.isObject()) {
                sb.append(String.format(Locale.ROOT, " (largest: latent %d, d = %.2f, mean max activation %.3f with vs %.3f without)",
                        top.path("latent").asInt(), top.path("effect").asDouble(), top.path("mean_with").asDouble(), top.path("mean_without").asDouble()));
            }
        } else {
            List<String> l = new ArrayList<>();
            for (JsonNode x : r.path("latents")) {
                l.add(String.format(Locale.ROOT, "%d (d = %.2f, %.3f vs %.3f)", x.path("latent").asInt(), x.path("effect").asDouble(),
                        x.path("mean_with").asDouble(), x.path("mean_without").asDouble()));
            }
            sb.append("trigger latents ").append(String.join(", ", l));
        }
        return sb.toString();
    }

    /** The text cells of one trigger-check row. */
    static final class TriggerCells {
        final String latents;
        final String flagged;
        final String poisonedCount;
        final String cleanCount;
        final String onClean;
        final String why;

        TriggerCells(JsonNode r) {
            List<String> all = new ArrayList<>();
            List<String> hit = new ArrayList<>();
            List<String> clean = new ArrayList<>();
            List<String> w = new ArrayList<>();
            for (JsonNode l : r.path("latents")) {
                all.add(l.path("latent").asText());
                if (l.path("flagged").asBoolean()) {
                    hit.add(l.path("latent").asText() + " (" + l.path("audit_rank").asInt() + ")");
                } else {
                    w.add(l.path("latent").asText() + ": " + l.path("why").asText());
                }
                if (l.path("flagged_on_clean").asBoolean(false)) {
                    clean.add(l.path("latent").asText());
                }
            }
            latents = all.isEmpty() ? "none" : String.join(", ", all);
            flagged = hit.isEmpty() ? (all.isEmpty() ? Cells.NONE : "none") : String.join(", ", hit);
            poisonedCount = r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() + "/" + r.path("audit_k").asInt() : Cells.NONE;
            cleanCount = r.path("clean_flagged_count").isNumber()
                    ? r.path("clean_flagged_count").asInt() + "/" + r.path("clean_audit_k").asInt() + " (" + r.path("clean_task").asText() + ")" : Cells.NONE;
            onClean = !r.path("clean_recall").isNumber() ? Cells.NONE : clean.isEmpty() ? "none" : String.join(", ", clean);
            if (r.path("note").isTextual()) {
                w.add(r.path("note").asText());
            }
            JsonNode sg = r.path("strongest");
            if (sg.isObject()) {
                w.add("that latent " + sg.path("latent").asInt() + " in this audit: " + sg.path("why").asText());
            }
            if (r.path("skipped").isTextual()) {
                w.add(r.path("skipped").asText());
            }
            why = w.isEmpty() ? Cells.NONE : String.join("; ", w);
        }
    }

    /** "3 (0.8, p 0.04)": top-k changed ∩ top-k relevant, its chance expectation and hypergeometric p; "—" in older files. */
    static String overlap(JsonNode st) {
        if (!st.path("overlap_at_k").isNumber()) {
            return "—";
        }
        return st.path("overlap_at_k").asInt() + " (" + Cells.fmt(st.path("overlap_expected")) + ", p " + Cells.fmt(st.path("p_overlap")) + ")";
    }
}
