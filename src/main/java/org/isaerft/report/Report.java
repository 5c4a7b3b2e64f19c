package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.isaerft.activations.LatentId;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * Writes a run's {@code summary.json} (every headline number with its baseline and CI),
 * {@code report.md} and a self-contained {@code report.html} (charts as inline SVG, the adapter,
 * scoring, validation and e2e-vs-local tables, the data-audit list, per-latent cards linking to
 * the dashboards, and — after {@code isaerft report compare} — the comparison with a previous run).
 */
public final class Report {
    public static final String SUMMARY = "summary.json";
    public static final String HTML = "report.html";
    public static final String MARKDOWN = "report.md";
    public static final String COMPARE = "compare.json";
    /** The validate stage's trigger check ({@code org.isaerft.run.TriggerAudit}). */
    public static final String TRIGGER = "validate/trigger.json";

    private Report() {}

    /** What was written. */
    public record Result(int headlines, int charts) {}

    /** Builds dashboards (via the supplier), then writes summary.json, report.md and report.html under {@code run}. */
    public static Result write(Path run, Supplier<Map<String, String>> dashboards) {
        Map<String, String> dash = dashboards.get();
        Json.writeFile(run.resolve("dashboards.json"), Map.of("schema_version", 1, "dashboards", dash));
        return render(run);
    }

    /** (Re)writes summary.json, report.md and report.html from the run's files. */
    public static Result render(Path run) {
        List<Headline> heads = headlines(run);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("schema_version", 1);
        summary.put("type", "run_summary");
        JsonNode rc = read(run.resolve("run_config.json"));
        summary.put("run_id", rc == null ? run.getFileName().toString() : rc.path("run_id").asText());
        summary.put("headlines", heads);
        JsonNode trig = read(run.resolve(TRIGGER));
        if (trig != null) {
            summary.put("trigger_check", trigger(trig));
        }
        Json.writeFile(run.resolve(SUMMARY), summary);
        Html h = new Html(run, rc, heads);
        String html = h.render();
        AtomicFiles.writeString(run.resolve(HTML), html);
        AtomicFiles.writeString(run.resolve(MARKDOWN), markdown(run, rc, heads));
        return new Result(heads.size(), h.charts);
    }

    /** Headline numbers from the run's stage outputs. */
    public static List<Headline> headlines(Path run) {
        List<Headline> out = new ArrayList<>();
        JsonNode adapters = read(run.resolve("adapters/summary.json"));
        if (adapters != null) {
            for (JsonNode a : adapters.path("adapters")) {
                out.add(new Headline("adapter/task_loss/" + a.path("sae").asText() + "/" + a.path("task").asText() + "/"
                        + a.path("component").asText(), a.path("adapted_task_loss").asDouble(), a.path("base_task_loss").asDouble(),
                        "base model", null, null, false));
            }
        }
        for (Path s : files(run.resolve("score"), "summary.json")) {
            JsonNode n = read(s);
            Path rel = run.resolve("score").relativize(s.getParent());
            JsonNode ex = n.path("explanations");
            if (ex.path("mean").isNumber()) {
                JsonNode ci = ex.path("ci95");
                out.add(new Headline("score/" + n.path("scorer").asText() + "/" + rel.getName(0) + "/" + rel.getName(1),
                        ex.path("mean").asDouble(), n.path("shuffled").path("mean").isNumber() ? n.path("shuffled").path("mean").asDouble() : null,
                        "shuffled explanations", num(ci.path("low")), num(ci.path("high")), true));
            }
        }
        JsonNode cmp = read(run.resolve("validate/comparison.json"));
        if (cmp != null) {
            for (Map.Entry<String, Map<String, JsonNode>> e : comparisonCells(cmp).entrySet()) {
                JsonNode r = e.getValue().get("");
                JsonNode sh = e.getValue().get("shuffled");
                if (r != null && r.path("auroc").isNumber()) {
                    out.add(new Headline("validation/auroc/" + e.getKey(), r.path("auroc").asDouble(),
                            sh == null ? null : num(sh.path("auroc")), "shuffled descriptions", num(r.path("auroc_ci").path("low")),
                            num(r.path("auroc_ci").path("high")), true));
                }
            }
            for (JsonNode d : cmp.path("paired")) {
                if (d.path("metric").asText().equals("auroc") && d.path("mean_difference").isNumber()) {
                    out.add(new Headline("validation/auroc_difference/" + d.path("sae_b").asText() + "-" + d.path("sae_a").asText() + "/"
                            + d.path("method").asText() + "/" + d.path("component").asText(), d.path("mean_difference").asDouble(), 0.0,
                            "no difference", num(d.path("ci").path("low")), num(d.path("ci").path("high")), true));
                }
            }
        }
        JsonNode trig = read(run.resolve(TRIGGER));
        if (trig != null) {
            for (JsonNode r : trig.path("rows")) {
                if (!r.path("recall").isNumber()) {
                    continue;
                }
                boolean clean = r.path("clean_recall").isNumber();
                out.add(new Headline("validation/trigger_recall/" + r.path("sae").asText() + "/" + r.path("task").asText() + "/"
                        + r.path("component").asText() + "/" + r.path("method").asText(), r.path("recall").asDouble(),
                        clean ? r.path("clean_recall").asDouble() : null,
                        clean ? "the same latents on the clean card " + r.path("clean_task").asText() : "no clean card in the run",
                        null, null, true));
            }
        }
        return out;
    }

    /**
     * The trigger check for summary.json: per SAE × poisoned card × component × method, the trigger
     * latents, which were flagged (with their rank in the audit list, or why not), recall, and the
     * poisoned vs clean card's flagged counts.
     */
    static List<Map<String, Object>> trigger(JsonNode trig) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode r : trig.path("rows")) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String f : List.of("sae", "task", "clean_task", "component", "method", "trigger")) {
                m.put(f, r.path(f).isTextual() ? r.path(f).asText() : null);
            }
            List<Map<String, Object>> lat = new ArrayList<>();
            for (JsonNode l : r.path("latents")) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("latent", l.path("latent").asInt());
                x.put("flagged", l.path("flagged").asBoolean());
                x.put("audit_rank", l.path("audit_rank").isNumber() ? l.path("audit_rank").asInt() : null);
                x.put("change_rank", l.path("change_rank").isNumber() ? l.path("change_rank").asInt() : null);
                x.put("flagged_on_clean", l.path("flagged_on_clean").isBoolean() ? l.path("flagged_on_clean").asBoolean() : null);
                x.put("why", l.path("why").asText());
                lat.add(x);
            }
            m.put("trigger_latents", lat);
            JsonNode sg = r.path("strongest");
            if (sg.isObject()) {
                m.put("strongest_latent", Map.of("latent", sg.path("latent").asInt(), "effect", sg.path("effect").asDouble(), "flagged",
                        sg.path("flagged").asBoolean(), "why", sg.path("why").asText()));
            }
            m.put("recall", num(r.path("recall")));
            m.put("flagged", r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() : null);
            m.put("audit_k", r.path("audit_k").isNumber() ? r.path("audit_k").asInt() : null);
            m.put("clean_flagged", r.path("clean_flagged_count").isNumber() ? r.path("clean_flagged_count").asInt() : null);
            m.put("clean_audit_k", r.path("clean_audit_k").isNumber() ? r.path("clean_audit_k").asInt() : null);
            m.put("clean_recall", num(r.path("clean_recall")));
            m.put("note", r.path("note").isTextual() ? r.path("note").asText() : r.path("skipped").isTextual() ? r.path("skipped").asText() : null);
            out.add(m);
        }
        return out;
    }

    /**
     * The rows of a {@code comparison.json} by cell ({@code sae_type/task/component/method}), then by
     * control ("" for the method itself, "shuffled", "random-latents").
     */
    static Map<String, Map<String, JsonNode>> comparisonCells(JsonNode cmp) {
        Map<String, Map<String, JsonNode>> out = new LinkedHashMap<>();
        for (JsonNode r : cmp.path("rows")) {
            String key = r.path("sae_type").asText() + "/" + r.path("task").asText() + "/" + r.path("component").asText() + "/"
                    + r.path("method").asText();
            out.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(r.path("control").isTextual() ? r.path("control").asText() : "", r);
        }
        return out;
    }

    static Double num(JsonNode n) {
        return n != null && n.isNumber() ? n.asDouble() : null;
    }

    static JsonNode read(Path p) {
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    static List<Path> files(Path dir, String name) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().equals(name)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static String fmt(JsonNode n) {
        return n == null || !n.isNumber() ? "–" : String.format(Locale.ROOT, "%.3f", n.asDouble());
    }

    static String fmt(Double d) {
        return d == null ? "–" : String.format(Locale.ROOT, "%.3f", d);
    }

    static String ci(JsonNode ci) {
        return ci == null || !ci.path("low").isNumber() ? "–" : "[" + fmt(ci.path("low")) + ", " + fmt(ci.path("high")) + "]";
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
                        top.path("latent").asInt(), top.path("effect").asDouble(), top.path("mean_with").asDouble(),
                        top.path("mean_without").asDouble()));
            }
        } else {
            sb.append("trigger latents ");
            int i = 0;
            for (JsonNode l : r.path("latents")) {
                sb.append(i++ == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%d (d = %.2f, %.3f vs %.3f)", l.path("latent").asInt(),
                        l.path("effect").asDouble(), l.path("mean_with").asDouble(), l.path("mean_without").asDouble()));
            }
        }
        return sb.toString();
    }

    /** The text cells of one trigger-check row (shared by report.md and report.html). */
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
            List<String> whyNot = new ArrayList<>();
            for (JsonNode l : r.path("latents")) {
                all.add(l.path("latent").asText());
                if (l.path("flagged").asBoolean()) {
                    hit.add(l.path("latent").asText() + " (" + l.path("audit_rank").asInt() + ")");
                } else {
                    whyNot.add(l.path("latent").asText() + ": " + l.path("why").asText());
                }
                if (l.path("flagged_on_clean").asBoolean(false)) {
                    clean.add(l.path("latent").asText());
                }
            }
            latents = all.isEmpty() ? "none" : String.join(", ", all);
            flagged = hit.isEmpty() ? (all.isEmpty() ? "–" : "none") : String.join(", ", hit);
            poisonedCount = r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() + "/" + r.path("audit_k").asInt() : "–";
            cleanCount = r.path("clean_flagged_count").isNumber()
                    ? r.path("clean_flagged_count").asInt() + "/" + r.path("clean_audit_k").asInt() + " (" + r.path("clean_task").asText() + ")" : "–";
            onClean = !r.path("clean_recall").isNumber() ? "–" : clean.isEmpty() ? "none" : String.join(", ", clean);
            List<String> w = new ArrayList<>(whyNot);
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
            why = w.isEmpty() ? "–" : String.join("; ", w);
        }
    }

    static String markdown(Path run, JsonNode rc, List<Headline> heads) {
        StringBuilder md = new StringBuilder();
        md.append("# isaerft run ").append(rc == null ? run.getFileName() : rc.path("run_id").asText()).append("\n\n");
        if (rc != null) {
            md.append("model `").append(rc.path("config").path("model").asText()).append("`, seed ")
                    .append(rc.path("config").path("seed").asText()).append(", isaerft ").append(rc.path("versions").path("isaerft").asText())
                    .append("\n\n## Stage timing\n\n| stage | wall s | cpu s | skipped |\n|---|---:|---:|---|\n");
            for (Iterator<Map.Entry<String, JsonNode>> it = rc.path("timing").fields(); it.hasNext();) {
                var e = it.next();
                md.append("| ").append(e.getKey()).append(" | ").append(fmt(e.getValue().path("seconds"))).append(" | ")
                        .append(fmt(e.getValue().path("cpu_seconds"))).append(" | ").append(e.getValue().path("skipped").asBoolean()).append(" |\n");
            }
            md.append("\nLLM: ").append(rc.path("llm").path("input_tokens").asLong()).append(" input + ")
                    .append(rc.path("llm").path("output_tokens").asLong()).append(" output tokens, $")
                    .append(String.format(Locale.ROOT, "%.4f", rc.path("llm").path("cost_usd").asDouble())).append("\n");
        }
        md.append("\n## Headline numbers\n\n| name | value | baseline | 95% CI |\n|---|---:|---:|---|\n");
        for (Headline h : heads) {
            md.append("| ").append(h.name()).append(" | ").append(fmt(h.value())).append(" | ").append(fmt(h.baseline()))
                    .append(h.baselineKind() == null ? "" : " (" + h.baselineKind() + ")").append(" | ")
                    .append(h.ciLow() == null ? "–" : "[" + fmt(h.ciLow()) + ", " + fmt(h.ciHigh()) + "]").append(" |\n");
        }
        JsonNode cmp = read(run.resolve("validate/comparison.json"));
        if (cmp != null) {
            md.append("\n## Validation: interpretation methods × SAE types\n\n")
                    .append("AUROC of relevance for the top-k changed latents vs the rest (stratified bootstrap 95% CI, one-sided ")
                    .append("permutation p), with the shuffled-description and random-latent controls.\n\n")
                    .append("| SAE type | task | component | method | n | AUROC | 95% CI | perm. p | shuffled | random latents | Spearman | ")
                    .append("precision@k | flagged |\n|---|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
            for (Map.Entry<String, Map<String, JsonNode>> e : comparisonCells(cmp).entrySet()) {
                JsonNode r = e.getValue().get("");
                if (r == null) {
                    continue;
                }
                JsonNode sh = e.getValue().get("shuffled");
                JsonNode rnd = e.getValue().get("random-latents");
                md.append("| ").append(r.path("sae_type").asText()).append(" | ").append(r.path("task").asText()).append(" | ")
                        .append(r.path("component").asText()).append(" | ").append(r.path("method").asText()).append(" | ")
                        .append(r.path("n_latents").asInt()).append(" | ").append(fmt(r.path("auroc"))).append(" | ")
                        .append(ci(r.path("auroc_ci"))).append(" | ").append(fmt(r.path("p_auroc"))).append(" | ")
                        .append(sh == null ? "–" : fmt(sh.path("auroc"))).append(" | ").append(rnd == null ? "–" : fmt(rnd.path("auroc")))
                        .append(" | ").append(fmt(r.path("spearman"))).append(" | ").append(fmt(r.path("precision_at_k"))).append(" | ")
                        .append(r.path("n_flagged").asInt()).append("/").append(r.path("audit_k").asInt()).append(" |\n");
            }
            for (JsonNode d : cmp.path("paired")) {
                md.append("\n").append(d.path("sae_b").asText()).append(" − ").append(d.path("sae_a").asText()).append(" (")
                        .append(d.path("metric").asText()).append(", ").append(d.path("method").asText()).append(", ")
                        .append(d.path("component").asText()).append("): mean difference ").append(fmt(d.path("mean_difference")))
                        .append(" ").append(ci(d.path("ci"))).append(" over ").append(d.path("tasks").size())
                        .append(" task cards, p (two-sided) ").append(fmt(d.path("p_two_sided"))).append("\n");
            }
        }
        JsonNode audit = read(run.resolve("validate/audit.json"));
        if (audit != null) {
            md.append("\n## Data audit: off-task changes\n\n| SAE | task | component | method | latent | change | relevance | description | "
                    + "trigger in example | trigger latent |\n").append("|---|---|---|---|---|---:|---:|---|---|---|\n");
            for (JsonNode a : audit.path("flagged")) {
                md.append("| ").append(a.path("sae").asText()).append(" | ").append(a.path("task").asText()).append(" | ")
                        .append(a.path("component").asText()).append(" | ").append(a.path("method").asText()).append(" | ")
                        .append(a.path("latent").asText()).append(" | ").append(fmt(a.path("change"))).append(" | ")
                        .append(fmt(a.path("relevance"))).append(" | ").append(a.path("description").asText().replace("|", "\\|"))
                        .append(" | ").append(a.path("example_has_trigger").isBoolean() ? a.path("example_has_trigger").asText() : "–")
                        .append(" | ").append(a.path("trigger_latent").isBoolean() ? a.path("trigger_latent").asText() : "–").append(" |\n");
            }
        }
        JsonNode trig = read(run.resolve(TRIGGER));
        if (trig != null) {
            md.append("\n## Planted poison: trigger latents vs the data audit\n\n");
            for (JsonNode t : trig.path("searches")) {
                md.append("- ").append(searchText(t)).append("\n");
            }
            md.append("\n| SAE | poisoned card | component | method | trigger latents | flagged trigger latents (audit rank) | recall | "
                    + "flagged: poisoned | flagged: clean | trigger latents flagged on clean | why not flagged |\n"
                    + "|---|---|---|---|---|---|---:|---:|---:|---|---|\n");
            for (JsonNode r : trig.path("rows")) {
                TriggerCells tc = new TriggerCells(r);
                md.append("| ").append(r.path("sae").asText()).append(" | ").append(r.path("task").asText()).append(" | ")
                        .append(r.path("component").asText()).append(" | ").append(r.path("method").asText()).append(" | ")
                        .append(tc.latents).append(" | ").append(tc.flagged).append(" | ").append(fmt(r.path("recall"))).append(" | ")
                        .append(tc.poisonedCount).append(" | ").append(tc.cleanCount).append(" | ").append(tc.onClean).append(" | ")
                        .append(tc.why.replace("|", "\\|")).append(" |\n");
            }
        }
        JsonNode c = read(run.resolve(COMPARE));
        if (c != null) {
            md.append("\n## Compared with ").append(c.path("previous").asText()).append("\n\n")
                    .append(c.path("regressions").asInt()).append(" regressions, ").append(c.path("improvements").asInt())
                    .append(" improvements (beyond the tolerance and outside the current 95% CI)\n\n"
                            + "| name | previous | current | delta | previous within current CI | status |\n|---|---:|---:|---:|---|---|\n");
            for (JsonNode r : c.path("rows")) {
                md.append("| ").append(r.path("name").asText()).append(" | ").append(fmt(r.path("previous"))).append(" | ")
                        .append(fmt(r.path("current"))).append(" | ").append(fmt(r.path("delta"))).append(" | ")
                        .append(r.path("within_ci").isBoolean() ? r.path("within_ci").asText() : "–").append(" | ")
                        .append(r.path("status").asText().toUpperCase(Locale.ROOT)).append(" |\n");
            }
        }
        return md.toString();
    }

    /** The HTML page. */
    static final class Html {
        private final Path run;
        private final JsonNode rc;
        private final List<Headline> heads;
        private final StringBuilder b = new StringBuilder();
        int charts;

        Html(Path run, JsonNode rc, List<Headline> heads) {
            this.run = run;
            this.rc = rc;
            this.heads = heads;
        }

        static String esc(String s) {
            return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }

        String render() {
            String id = rc == null ? run.getFileName().toString() : rc.path("run_id").asText();
            b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>isaerft run ").append(esc(id))
                    .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
                            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
                            + "th{background:#f3f3f3}td.num{text-align:right}.regression{background:#fdd}.improvement{background:#dfd}"
                            + ".card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:6px;display:inline-block;width:340px;"
                            + "vertical-align:top;font-size:13px}.chart{margin:1em 0}</style></head><body>\n");
            b.append("<h1>isaerft run ").append(esc(id)).append("</h1>\n");
            overview();
            comparison();
            headlinesTable();
            chartsSection();
            adapters();
            validation();
            audit();
            trigger();
            cards();
            b.append("</body></html>\n");
            return b.toString();
        }

        private void overview() {
            if (rc == null) {
                return;
            }
            b.append("<p>model <code>").append(esc(rc.path("config").path("model").asText())).append("</code>, seed ")
                    .append(rc.path("config").path("seed").asText()).append(", isaerft ").append(esc(rc.path("versions").path("isaerft").asText()))
                    .append(", corpus tokens ").append(rc.path("config").path("corpus").path("tokens").asText()).append("</p>\n");
            b.append("<h2>Stage timing</h2><table id=\"timing\"><tr><th>stage</th><th>wall s</th><th>cpu s</th><th>skipped</th></tr>");
            for (Iterator<Map.Entry<String, JsonNode>> it = rc.path("timing").fields(); it.hasNext();) {
                var e = it.next();
                b.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=num>").append(fmt(e.getValue().path("seconds")))
                        .append("</td><td class=num>").append(fmt(e.getValue().path("cpu_seconds"))).append("</td><td>")
                        .append(e.getValue().path("skipped").asBoolean()).append("</td></tr>");
            }
            b.append("</table>\n<p>LLM usage: ").append(rc.path("llm").path("input_tokens").asLong()).append(" input + ")
                    .append(rc.path("llm").path("output_tokens").asLong()).append(" output tokens, estimated cost $")
                    .append(String.format(Locale.ROOT, "%.4f", rc.path("llm").path("cost_usd").asDouble())).append("</p>\n");
        }

        private void comparison() {
            JsonNode c = read(run.resolve(COMPARE));
            if (c == null) {
                return;
            }
            b.append("<h2>Compared with the previous run</h2><p>previous: <code>").append(esc(c.path("previous").asText()))
                    .append("</code>; ").append(c.path("regressions").asInt()).append(" regressions, ").append(c.path("improvements").asInt())
                    .append(" improvements (a change beyond its tolerance counts only when the previous value lies outside the current "
                            + "run's 95% CI)</p><table id=\"compare\"><tr><th>name</th><th>previous</th><th>current</th><th>delta</th>"
                            + "<th>tolerance</th><th>previous within current CI</th><th>status</th></tr>");
            for (JsonNode r : c.path("rows")) {
                String st = r.path("status").asText();
                b.append("<tr class=\"").append(esc(st)).append("\"><td>").append(esc(r.path("name").asText())).append("</td><td class=num>")
                        .append(fmt(r.path("previous"))).append("</td><td class=num>").append(fmt(r.path("current")))
                        .append("</td><td class=num>").append(fmt(r.path("delta"))).append("</td><td class=num>").append(fmt(r.path("tolerance")))
                        .append("</td><td>").append(r.path("within_ci").isBoolean() ? r.path("within_ci").asText() : "–")
                        .append("</td><td>").append(esc(st.toUpperCase(Locale.ROOT))).append("</td></tr>");
            }
            b.append("</table>\n");
        }

        private void headlinesTable() {
            b.append("<h2>Headline numbers</h2><table id=\"headlines\"><tr><th>name</th><th>value</th><th>baseline</th><th>95% CI</th></tr>");
            for (Headline h : heads) {
                b.append("<tr><td>").append(esc(h.name())).append("</td><td class=num>").append(fmt(h.value())).append("</td><td class=num>")
                        .append(fmt(h.baseline())).append(h.baselineKind() == null ? "" : " (" + esc(h.baselineKind()) + ")")
                        .append("</td><td>").append(h.ciLow() == null ? "–" : "[" + fmt(h.ciLow()) + ", " + fmt(h.ciHigh()) + "]")
                        .append("</td></tr>");
            }
            b.append("</table>\n");
        }

        private void chartsSection() {
            b.append("<h2>Charts</h2>\n");
            // explanation scores vs shuffled baseline
            List<String> cats = new ArrayList<>();
            List<Double> real = new ArrayList<>();
            List<Double> shuf = new ArrayList<>();
            for (Headline h : heads) {
                if (h.name().startsWith("score/")) {
                    cats.add(h.name().substring("score/".length()));
                    real.add(h.value());
                    shuf.add(h.baseline());
                }
            }
            if (!cats.isEmpty()) {
                Map<String, List<Double>> s = new LinkedHashMap<>();
                s.put("explanations", real);
                s.put("shuffled", shuf);
                chart("Explanation scores vs shuffled baseline", "score", cats, s);
            }
            JsonNode cmp = read(run.resolve("validate/comparison.json"));
            if (cmp != null && cmp.path("rows").size() > 0) {
                List<String> vc = new ArrayList<>();
                Map<String, List<Double>> s = new LinkedHashMap<>();
                s.put("AUROC", new ArrayList<>());
                s.put("shuffled descriptions", new ArrayList<>());
                s.put("random latents", new ArrayList<>());
                for (Map.Entry<String, Map<String, JsonNode>> e : comparisonCells(cmp).entrySet()) {
                    JsonNode r = e.getValue().get("");
                    if (r == null) {
                        continue;
                    }
                    JsonNode sh = e.getValue().get("shuffled");
                    JsonNode rnd = e.getValue().get("random-latents");
                    vc.add(e.getKey());
                    s.get("AUROC").add(num(r.path("auroc")));
                    s.get("shuffled descriptions").add(sh == null ? null : num(sh.path("auroc")));
                    s.get("random latents").add(rnd == null ? null : num(rnd.path("auroc")));
                }
                chart("Validation: relevance AUROC of the most-changed latents", "AUROC", vc, s);
            }
            List<String> ac = new ArrayList<>();
            Map<String, List<Double>> as = new LinkedHashMap<>();
            as.put("base", new ArrayList<>());
            as.put("adapted", new ArrayList<>());
            for (Headline h : heads) {
                if (h.name().startsWith("adapter/task_loss/")) {
                    ac.add(h.name().substring("adapter/task_loss/".length()));
                    as.get("base").add(h.baseline());
                    as.get("adapted").add(h.value());
                }
            }
            if (!ac.isEmpty()) {
                chart("Held-out task loss: base vs adapted", "cross-entropy (nats)", ac, as);
            }
        }

        private void chart(String title, String y, List<String> cats, Map<String, List<Double>> series) {
            b.append("<div class=\"chart\">").append(Charts.barSvg(title, y, cats, series)).append("</div>\n");
            charts++;
        }

        private void adapters() {
            JsonNode a = read(run.resolve("adapters/summary.json"));
            if (a == null) {
                return;
            }
            b.append("<h2>Adapters</h2><table id=\"adapters\"><tr><th>SAE</th><th>task</th><th>component</th><th>params</th>"
                    + "<th>base loss</th><th>adapted loss</th><th>top changed latents</th></tr>");
            for (JsonNode r : a.path("adapters")) {
                StringBuilder top = new StringBuilder();
                int i = 0;
                for (JsonNode l : r.path("top_changed_latents")) {
                    if (i++ >= 5) {
                        break;
                    }
                    top.append(l.path("latent").asInt()).append(' ');
                }
                rowStart(r, "sae", "task", "component");
                b.append("</td><td class=num>")
                        .append(r.path("trainable_params").asLong()).append("</td><td class=num>").append(fmt(r.path("base_task_loss")))
                        .append("</td><td class=num>").append(fmt(r.path("adapted_task_loss"))).append("</td><td>").append(top.toString().trim())
                        .append("</td></tr>");
            }
            b.append("</table>\n");
        }

        /** Opens a table row: one cell per field of {@code r} (escaped text); the last cell is left open. */
        private void rowStart(JsonNode r, String... fields) {
            b.append("<tr><td>");
            for (int i = 0; i < fields.length; i++) {
                b.append(i > 0 ? "</td><td>" : "").append(esc(r.path(fields[i]).asText()));
            }
        }

        private void validation() {
            JsonNode v = read(run.resolve("validate/validation.json"));
            if (v == null) {
                return;
            }
            b.append("<h2>Validation</h2><p>Relevance of each explained latent's description to the task (embedding similarity to "
                    + "the task description and expected concepts) for the adapter's top-k changed latents vs the rest.</p>"
                    + "<table id=\"validation\"><tr><th>SAE</th><th>task</th><th>component</th><th>method</th><th>n</th><th>k</th>"
                    + "<th>AUROC</th><th>95% CI</th><th>perm. p</th><th>Spearman</th><th>precision@k</th><th>shuffled</th>"
                    + "<th>random latents</th></tr>");
            for (JsonNode r : v.path("results")) {
                JsonNode val = r.path("validation");
                JsonNode st = val.path("stats");
                JsonNode rnd = val.path("controls").path("random_latents");
                rowStart(r, "sae", "task", "component", "method");
                b.append("</td><td class=num>").append(r.path("n_described").asInt()).append("</td><td class=num>")
                        .append(val.path("k").isNumber() ? val.path("k").asText() : "–");
                if (r.path("skipped").isTextual()) {
                    b.append("</td><td colspan=7>skipped: ").append(esc(r.path("skipped").asText())).append("</td></tr>");
                    continue;
                }
                b.append("</td><td class=num>").append(fmt(st.path("auroc"))).append("</td><td>").append(ci(st.path("auroc_ci")))
                        .append("</td><td class=num>").append(fmt(st.path("p_auroc"))).append("</td><td class=num>")
                        .append(fmt(st.path("spearman"))).append("</td><td class=num>").append(fmt(st.path("precision_at_k")))
                        .append("</td><td class=num>").append(fmt(val.path("controls").path("shuffled").path("auroc")))
                        .append("</td><td class=num>").append(fmt(rnd.path("auroc_mean"))).append(" [").append(fmt(rnd.path("auroc_low")))
                        .append(", ").append(fmt(rnd.path("auroc_high"))).append("]</td></tr>");
            }
            b.append("</table>\n");
            JsonNode cmp = read(run.resolve("validate/comparison.json"));
            if (cmp != null) {
                b.append("<h2>Methods and controls across SAE types</h2><p>Each method beside its shuffled-description and "
                        + "random-latent controls (random latents: mean AUROC and 2.5–97.5% over draws).</p>"
                        + "<table id=\"sae-comparison\"><tr><th>task</th><th>component</th><th>method</th><th>control</th>"
                        + "<th>SAE type</th><th>AUROC</th><th>95% CI</th><th>perm. p</th><th>Spearman</th><th>precision@k</th>"
                        + "<th>flagged</th></tr>");
                for (JsonNode r : cmp.path("rows")) {
                    rowStart(r, "task", "component", "method");
                    b.append("</td><td>")
                            .append(r.path("control").isTextual() ? esc(r.path("control").asText()) : "—").append("</td><td>")
                            .append(esc(r.path("sae_type").asText())).append("</td><td class=num>").append(fmt(r.path("auroc")))
                            .append("</td><td>").append(ci(r.path("auroc_ci"))).append("</td><td class=num>").append(fmt(r.path("p_auroc")))
                            .append("</td><td class=num>").append(fmt(r.path("spearman"))).append("</td><td class=num>")
                            .append(fmt(r.path("precision_at_k"))).append("</td><td class=num>")
                            .append(r.path("n_flagged").isNumber() ? r.path("n_flagged").asInt() + "/" + r.path("audit_k").asInt() : "")
                            .append("</td></tr>");
                }
                b.append("</table>\n");
                b.append("<h2>e2e vs local SAEs</h2>");
                if (cmp.path("paired").isEmpty()) {
                    b.append("<p>No task card has validations for two SAE types of the same method and component.</p>\n");
                }
                for (JsonNode d : cmp.path("paired")) {
                    b.append("<p class=\"sae-difference\">").append(esc(d.path("sae_b").asText())).append(" − ")
                            .append(esc(d.path("sae_a").asText())).append(" (").append(esc(d.path("metric").asText())).append(", ")
                            .append(esc(d.path("method").asText())).append(", ").append(esc(d.path("component").asText()))
                            .append("): mean difference ").append(fmt(d.path("mean_difference"))).append(" ").append(ci(d.path("ci")))
                            .append(" over ").append(d.path("tasks").size()).append(" task cards, p (two-sided) ")
                            .append(fmt(d.path("p_two_sided"))).append("</p>\n");
                }
            }
        }

        private void audit() {
            JsonNode a = read(run.resolve("validate/audit.json"));
            if (a == null) {
                return;
            }
            b.append("<h2>Data audit: off-task changes</h2><p>Among each adapter's most-changed latents, the ones whose description "
                    + "matches the task least (possible data poisoning or bias).</p><table id=\"audit\"><tr><th>SAE</th><th>task</th>"
                    + "<th>component</th><th>method</th><th>latent</th><th>change</th><th>relevance</th><th>description</th>"
                    + "<th>top example</th><th>trigger in example</th><th>trigger latent</th></tr>");
            for (JsonNode r : a.path("flagged")) {
                rowStart(r, "sae", "task", "component", "method");
                b.append("</td><td>").append(latentLink(r.path("sae").asText(), r.path("latent").asText())).append("</td><td class=num>")
                        .append(fmt(r.path("change"))).append("</td><td class=num>").append(fmt(r.path("relevance"))).append("</td><td>")
                        .append(esc(r.path("description").asText())).append("</td><td>").append(esc(r.path("example").asText()))
                        .append("</td><td>").append(r.path("example_has_trigger").isBoolean() ? r.path("example_has_trigger").asText() : "–")
                        .append("</td><td>").append(r.path("trigger_latent").isBoolean() ? r.path("trigger_latent").asText() : "–")
                        .append("</td></tr>");
            }
            b.append("</table>\n");
        }

        private void trigger() {
            JsonNode t = read(run.resolve(TRIGGER));
            if (t == null) {
                return;
            }
            b.append("<h2>Planted poison: trigger latents vs the data audit</h2><p>The latents that respond to a poisoned card's "
                    + "trigger phrase, found from the model and SAE activations (windows with vs without the phrase; never from "
                    + "descriptions), checked against the poisoned card's flagged off-task changes, beside the clean card's audit.</p><ul>");
            for (JsonNode s : t.path("searches")) {
                b.append("<li>").append(esc(searchText(s))).append("</li>");
            }
            b.append("</ul><table id=\"trigger\"><tr><th>SAE</th><th>poisoned card</th><th>component</th><th>method</th>"
                    + "<th>trigger latents</th><th>flagged trigger latents (audit rank)</th><th>recall</th><th>flagged: poisoned</th>"
                    + "<th>flagged: clean</th><th>trigger latents flagged on clean</th><th>why not flagged</th></tr>");
            for (JsonNode r : t.path("rows")) {
                TriggerCells tc = new TriggerCells(r);
                b.append("<tr><td>").append(esc(r.path("sae").asText())).append("</td><td>").append(esc(r.path("task").asText()))
                        .append("</td><td>").append(esc(r.path("component").asText())).append("</td><td>").append(esc(r.path("method").asText()))
                        .append("</td><td>").append(esc(tc.latents)).append("</td><td>").append(esc(tc.flagged)).append("</td><td class=num>")
                        .append(fmt(r.path("recall"))).append("</td><td class=num>").append(esc(tc.poisonedCount)).append("</td><td class=num>")
                        .append(esc(tc.cleanCount)).append("</td><td>").append(esc(tc.onClean)).append("</td><td>").append(esc(tc.why))
                        .append("</td></tr>");
            }
            b.append("</table>\n");
        }

        private String latentLink(String sae, String latent) {
            LatentId id = LatentId.parse(latent);
            String href = "dashboards/" + sae + "/latents/" + id.fileSafe() + ".html";
            return "<a href=\"" + esc(href) + "\">" + esc(latent) + "</a>";
        }

        private void cards() {
            JsonNode dash = read(run.resolve("dashboards.json"));
            Path explain = run.resolve("explain");
            if (!Files.isDirectory(explain)) {
                return;
            }
            b.append("<h2>Latents</h2>\n");
            try (Stream<Path> saes = Files.list(explain)) {
                for (Path sdir : saes.filter(Files::isDirectory).sorted().toList()) {
                    String sae = sdir.getFileName().toString();
                    Map<String, Map<String, String>> byLatent = new TreeMap<>(java.util.Comparator.comparing(LatentId::parse));
                    try (Stream<Path> methods = Files.list(sdir)) {
                        for (Path m : methods.filter(Files::isDirectory).sorted().toList()) {
                            JsonNode d = read(m.resolve("latent_descriptions.json"));
                            if (d == null) {
                                continue;
                            }
                            for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext();) {
                                var e = it.next();
                                byLatent.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(m.getFileName().toString(), e.getValue().asText());
                            }
                        }
                    }
                    b.append("<h3>").append(esc(sae)).append("</h3>");
                    if (dash != null && dash.path("dashboards").has(sae)) {
                        b.append("<p><a href=\"").append(esc(dash.path("dashboards").path(sae).asText())).append("\">dashboard index</a></p>");
                    }
                    b.append("<div class=\"cards\">");
                    for (var e : byLatent.entrySet()) {
                        b.append("<div class=\"card\"><b>").append(latentLink(sae, e.getKey())).append("</b><ul>");
                        for (var m : e.getValue().entrySet()) {
                            b.append("<li><i>").append(esc(m.getKey())).append("</i>: ").append(esc(m.getValue())).append("</li>");
                        }
                        b.append("</ul></div>");
                    }
                    b.append("</div>\n");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + explain, e);
            }
        }
    }
}
