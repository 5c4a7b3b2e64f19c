package org.isaerft.report;

import static org.isaerft.report.Cells.columns;
import static org.isaerft.report.Cells.field;
import static org.isaerft.report.Cells.num;
import static org.isaerft.report.Cells.row;
import static org.isaerft.report.Cells.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.report.ReportModel.Card;
import org.isaerft.report.ReportModel.Cell;
import org.isaerft.report.ReportModel.Chart;
import org.isaerft.report.ReportModel.Description;
import org.isaerft.report.ReportModel.Nightly;
import org.isaerft.report.ReportModel.Part;
import org.isaerft.report.ReportModel.Row;
import org.isaerft.report.ReportModel.Section;
import org.isaerft.report.ReportModel.Table;

/**
 * Builds the {@link ReportModel} from a run folder: findings and warnings ({@link Findings}), the
 * nightly block, then the detail sections — per stage (adapters, scores, validation, audit, trigger,
 * recovery), per SAE (latent cards), and the raw headline numbers and stage timing last.
 */
final class ModelBuilder {
    private ModelBuilder() {}

    static ReportModel build(RunFolder run, List<Headline> heads) {
        Findings.Result f = Findings.of(run);
        List<Section> sections = new ArrayList<>();
        add(sections, adapters(run, heads));
        add(sections, scores(run));
        ValidationSections v = new ValidationSections(run, f.qValues());
        add(sections, v.validation());
        add(sections, v.audit());
        add(sections, v.trigger());
        add(sections, v.recovery());
        add(sections, cards(run));
        add(sections, compareTable(run));
        sections.add(headlines(heads));
        add(sections, timing(run));
        return new ReportModel("isaerft run " + run.runId(), meta(run), nightly(run), f.findings(), f.warnings(), Findings.METHOD, sections);
    }

    private static void add(List<Section> out, Section s) {
        if (s != null) {
            out.add(s);
        }
    }

    static List<String> meta(RunFolder run) {
        JsonNode rc = run.runConfig();
        if (rc == null) {
            return List.of("no run_config.json in " + run.dir());
        }
        return List.of("model " + rc.path("config").path("model").asText() + ", seed " + rc.path("config").path("seed").asText() + ", corpus tokens "
                + rc.path("config").path("corpus").path("tokens").asText(),
                "isaerft " + rc.path("versions").path("isaerft").asText() + " (commit " + rc.path("versions").path("git_commit").asText("?") + ")",
                "LLM usage: " + rc.path("llm").path("input_tokens").asLong() + " input + " + rc.path("llm").path("output_tokens").asLong()
                        + " output tokens, estimated cost $" + String.format(Locale.ROOT, "%.4f", rc.path("llm").path("cost_usd").asDouble()));
    }

    static Nightly nightly(RunFolder run) {
        JsonNode c = run.compare();
        if (c == null) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        for (JsonNode r : c.path("rows")) {
            String st = r.path("status").asText();
            if (st.equals("regression") || st.equals("improvement")) {
                changed.add(st.toUpperCase(Locale.ROOT) + ": " + r.path("name").asText() + " " + Cells.fmt(r.path("previous")) + " → "
                        + Cells.fmt(r.path("current")) + " (Δ " + Cells.fmt(r.path("delta")) + ", tolerance " + Cells.fmt(r.path("tolerance")) + ")");
            }
        }
        return new Nightly(c.path("previous").asText(), c.path("regressions").asInt(), c.path("improvements").asInt(), changed);
    }

    /** The SAE's hook (the latent id's source), from the run config. */
    static String hook(RunFolder run, String sae) {
        if (run.runConfig() != null) {
            for (JsonNode s : run.runConfig().path("config").path("saes")) {
                if (s.path("name").asText().equals(sae) && s.path("hook").isTextual()) {
                    return s.path("hook").asText();
                }
            }
        }
        return null;
    }

    static Section adapters(RunFolder run, List<Headline> heads) {
        JsonNode a = run.adapters();
        if (a == null) {
            return null;
        }
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("Held-out task loss of each adapter against the base model, one chart per adapted component; lower is better."));
        // per component: categories = cards, one series per SAE, value = adapted − base
        Map<String, Map<String, Map<String, Double>>> byComp = new LinkedHashMap<>();
        List<String> saes = new ArrayList<>();
        List<String> tasks = new ArrayList<>();
        for (JsonNode r : a.path("adapters")) {
            if (!r.path("adapted_task_loss").isNumber() || !r.path("base_task_loss").isNumber()) {
                continue;
            }
            String sae = r.path("sae").asText();
            String task = r.path("task").asText();
            if (!saes.contains(sae)) {
                saes.add(sae);
            }
            if (!tasks.contains(task)) {
                tasks.add(task);
            }
            byComp.computeIfAbsent(r.path("component").asText(), k -> new LinkedHashMap<>()).computeIfAbsent(sae, k -> new LinkedHashMap<>())
                    .put(task, r.path("adapted_task_loss").asDouble() - r.path("base_task_loss").asDouble());
        }
        for (var e : byComp.entrySet()) {
            List<Svg.Series> series = new ArrayList<>();
            for (String sae : saes) {
                Map<String, Double> m = e.getValue().getOrDefault(sae, Map.of());
                series.add(Svg.Series.of(sae, tasks.stream().map(m::get).toList()));
            }
            String title = "Held-out task loss change (adapted − base), " + e.getKey();
            parts.add(Part.chart(new Chart(title, Svg.bars(title, "Δ cross-entropy (nats)", tasks, series, null, 0.0, "base"),
                    "Below the dashed line: the adapter lowered the held-out loss.")));
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : a.path("adapters")) {
            String sae = r.path("sae").asText();
            String hook = hook(run, sae);
            List<String> top = new ArrayList<>();
            for (JsonNode l : r.path("top_changed_latents")) {
                if (top.size() >= 5) {
                    break;
                }
                top.add(l.path("latent").asText());
            }
            double d = r.path("adapted_task_loss").asDouble() - r.path("base_task_loss").asDouble();
            String cls = RunFolder.num(r.path("adapted_task_loss")) == null ? "" : d < 0 ? "better" : "worse";
            List<Cell> cells = new ArrayList<>(List.of(field(r, "sae"), field(r, "task"), field(r, "component"), Cells.integer(r.path("trainable_params")),
                    num(r.path("base_task_loss")), num(r.path("adapted_task_loss")), num(d)));
            List<ReportModel.Link> links = new ArrayList<>();
            for (String l : top) {
                links.add(new ReportModel.Link(l, hook == null ? null : Cells.latentHref(run, sae, hook + "/" + l)));
            }
            cells.add(new Cell(String.join(" ", top), String.join(" ", top), null, links));
            rows.add(row(cls, cells));
        }
        parts.add(Part.table(new Table("adapters", columns("SAE", "task", "component", "#params", "#base loss", "#adapted loss", "#change",
                "top changed latents"), rows)));
        return new Section("adapters", "Adapters", parts);
    }

    static Section scores(RunFolder run) {
        if (run.scores().isEmpty()) {
            return null;
        }
        List<String> cats = new ArrayList<>();
        Svg.Collect real = new Svg.Collect();
        Svg.Collect shuffled = new Svg.Collect();
        List<Row> rows = new ArrayList<>();
        for (var e : run.scores().entrySet()) {
            JsonNode n = e.getValue();
            String name = e.getKey().toString().replace('\\', '/');
            JsonNode ex = n.path("explanations");
            JsonNode s = n.path("shuffled");
            cats.add(name);
            real.add(RunFolder.num(ex.path("mean")), ex.path("ci95"));
            shuffled.add(RunFolder.num(s.path("mean")), s.path("ci95"));
            rows.add(row("", List.of(text(name), field(n, "value_metric"), Cells.integer(ex.path("n_defined")), num(ex.path("mean")),
                    text(Cells.ci(ex.path("ci95"))), num(s.path("mean")), text(Cells.ci(s.path("ci95"))))));
        }
        String title = "Explanation scores vs shuffled explanations";
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("How well each method's explanations predict held-out activations (embedding scorer), beside the same explanations "
                + "shuffled across latents. Whiskers: 95% bootstrap CI over latents; grey band: the shuffled control's CI."));
        parts.add(Part.chart(new Chart(title, Svg.bars(title, "score", cats, List.of(real.series("explanations"), shuffled.valuesOnly("shuffled")),
                shuffled.band("shuffled 95% CI"), null, null), "")));
        parts.add(Part.table(new Table("scores", columns("SAE/method/scorer", "metric", "#n", "#mean", "95% CI", "#shuffled", "shuffled 95% CI"),
                rows)));
        return new Section("scores", "Explanation scores", parts);
    }

    static Section cards(RunFolder run) {
        if (run.descriptions().isEmpty()) {
            return null;
        }
        List<Part> parts = new ArrayList<>();
        parts.add(Part.text("Every explained latent with each method's description; the id links to its dashboard."));
        for (var s : run.descriptions().entrySet()) {
            String sae = s.getKey();
            parts.add(Part.heading("SAE " + sae));
            if (run.dashboards() != null && run.dashboards().path("dashboards").has(sae)) {
                parts.add(Part.links(List.of(new ReportModel.Link("dashboard of every " + sae + " latent",
                        run.dashboards().path("dashboards").path(sae).asText()))));
            }
            List<Card> cards = new ArrayList<>();
            for (var l : s.getValue().entrySet()) {
                List<Description> d = new ArrayList<>();
                l.getValue().forEach((m, t) -> d.add(new Description(m, t)));
                cards.add(new Card(l.getKey(), Cells.latentHref(run, sae, l.getKey()), d));
            }
            parts.add(Part.cards(cards));
        }
        return new Section("latents", "Latents", parts);
    }

    static Section compareTable(RunFolder run) {
        JsonNode c = run.compare();
        if (c == null) {
            return null;
        }
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : c.path("rows")) {
            String st = r.path("status").asText();
            rows.add(row(st, List.of(field(r, "name"), num(r.path("previous")), num(r.path("current")), num(r.path("delta")), num(r.path("tolerance")),
                    text(r.path("within_ci").isBoolean() ? r.path("within_ci").asText() : null), text(st.toUpperCase(Locale.ROOT)))));
        }
        return new Section("comparison", "Compared with the previous run", List.of(Part.text("previous: " + c.path("previous").asText() + "; "
                + c.path("regressions").asInt() + " regressions, " + c.path("improvements").asInt() + " improvements (a change beyond its tolerance "
                + "counts only when the previous value lies outside the current run's 95% CI)"), Part.table(new Table("compare",
                        columns("name", "#previous", "#current", "#delta", "#tolerance", "previous within current CI", "status"), rows))));
    }

    static Section headlines(List<Headline> heads) {
        List<Row> rows = new ArrayList<>();
        for (Headline h : heads) {
            rows.add(row("", List.of(text(h.name()), num(h.value()), text(Cells.fmt(h.baseline()) + (h.baselineKind() == null ? "" : " (" + h.baselineKind() + ")")),
                    text(h.ciLow() == null ? Cells.NONE : "[" + Cells.fmt(h.ciLow()) + ", " + Cells.fmt(h.ciHigh()) + "]"))));
        }
        return new Section("headline-numbers", "Headline numbers", List.of(Part.text("Every number of summary.json (the nightly contract)."),
                Part.table(new Table("headlines", columns("name", "#value", "baseline", "95% CI"), rows))));
    }

    static Section timing(RunFolder run) {
        JsonNode rc = run.runConfig();
        if (rc == null) {
            return null;
        }
        List<Row> rows = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = rc.path("timing").fields(); it.hasNext();) {
            var e = it.next();
            rows.add(row("", List.of(text(e.getKey()), num(e.getValue().path("seconds")), num(e.getValue().path("cpu_seconds")),
                    text(Boolean.toString(e.getValue().path("skipped").asBoolean())))));
        }
        return new Section("run", "Stage timing", List.of(Part.table(new Table("timing", columns("stage", "#wall s", "#cpu s", "skipped"), rows))));
    }
}
