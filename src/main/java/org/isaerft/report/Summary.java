package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code summary.json}, the nightly contract: every headline number with its baseline and CI, and
 * the trigger check. Its bytes must not change when the report's presentation does (the nightly
 * comparison and external readers parse it), so it is built here, apart from the report model.
 */
public final class Summary {
    private Summary() {}

    /** The summary document (written as-is to summary.json). */
    static Map<String, Object> of(RunFolder run, List<Headline> heads) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("schema_version", 1);
        summary.put("type", "run_summary");
        summary.put("run_id", run.runConfig() == null ? run.dir().getFileName().toString() : run.runConfig().path("run_id").asText());
        summary.put("headlines", heads);
        if (run.trigger() != null) {
            summary.put("trigger_check", trigger(run.trigger()));
            if (!run.trigger().path("planted").isEmpty()) {
                summary.put("planted_check", planted(run.trigger()));
            }
        }
        return summary;
    }

    /** Headline numbers from the run's stage outputs. */
    public static List<Headline> headlines(Path run) {
        return headlines(RunFolder.read(run));
    }

    /** Headline numbers from the run's stage outputs. */
    public static List<Headline> headlines(RunFolder run) {
        List<Headline> out = new ArrayList<>();
        if (run.adapters() != null) {
            for (JsonNode a : run.adapters().path("adapters")) {
                out.add(new Headline("adapter/task_loss/" + a.path("sae").asText() + "/" + a.path("task").asText() + "/"
                        + a.path("component").asText(), a.path("adapted_task_loss").asDouble(), a.path("base_task_loss").asDouble(),
                        "base model", null, null, false));
            }
        }
        for (Map.Entry<Path, JsonNode> s : run.scores().entrySet()) {
            JsonNode n = s.getValue();
            Path rel = s.getKey();
            JsonNode ex = n.path("explanations");
            if (ex.path("mean").isNumber()) {
                JsonNode ci = ex.path("ci95");
                out.add(new Headline("score/" + n.path("scorer").asText() + "/" + rel.getName(0) + "/" + rel.getName(1),
                        ex.path("mean").asDouble(), n.path("shuffled").path("mean").isNumber() ? n.path("shuffled").path("mean").asDouble() : null,
                        "shuffled explanations", num(ci.path("low")), num(ci.path("high")), true));
            }
        }
        JsonNode cmp = run.comparison();
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
        if (run.trigger() != null) {
            for (JsonNode r : run.trigger().path("rows")) {
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
        if (run.recovery() != null) {
            double main = Recovery.strength(run.recovery());
            for (Recovery.Cell c : Recovery.cells(run.recovery())) {
                boolean steered = c.kind().equals("steered");
                if (steered ? c.strength() != main : !c.kind().equals("control")) {
                    continue;
                }
                out.add(new Headline("recovery/" + (steered ? "" : "control_") + "recall_at_" + Recovery.K + "/" + c.sae() + "/" + c.component(),
                        c.recall(), c.chance(), "chance k/d_alive", c.low(), c.high(), steered));
            }
        }
        return out;
    }

    /**
     * The planted poison cards' known answers vs the audit for summary.json (only when the run has a planted poison card):
     * per SAE × card × planted latent × component × method, the answer, its cosine, whether it was flagged and where, and the
     * clean twin's flagged count.
     */
    static List<Map<String, Object>> planted(JsonNode trig) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode r : trig.path("planted")) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String f : List.of("sae", "task", "clean_task", "component", "method", "planted_sae")) {
                m.put(f, r.path(f).isTextual() ? r.path(f).asText() : null);
            }
            for (String f : List.of("planted_latent", "answer", "change_rank", "audit_rank", "n_flagged", "audit_k", "clean_flagged_count",
                    "clean_audit_k")) {
                m.put(f, r.path(f).isNumber() ? r.path(f).asInt() : null);
            }
            m.put("cosine", num(r.path("cosine")));
            for (String f : List.of("matched", "flagged", "flagged_on_clean")) {
                m.put(f, r.path(f).isBoolean() ? r.path(f).asBoolean() : null);
            }
            m.put("why", r.path("skipped").isTextual() ? r.path("skipped").asText() : r.path("why").asText(null));
            out.add(m);
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

    private static Double num(JsonNode n) {
        return RunFolder.num(n);
    }
}
