package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the known-answer recovery stage's output ({@code recovery/summary.json}) leniently: that
 * stage is being built separately, so the report accepts rows under {@code rows} or {@code results},
 * each with a recall ({@code recall_at_k} or {@code recall}), optional {@code k}, {@code chance},
 * {@code ci} ({@code low}/{@code high}) and a recall curve ({@code curve}: [{k, recall}]), named by
 * whichever of {@code sae}, {@code task}, {@code method}, {@code component} it carries.
 */
final class Recovery {
    private Recovery() {}

    /** One recall row. */
    record Row(String subject, double recall, Integer k, Double chance, Double low, Double high, List<double[]> curve) {
        Row {
            ReportModel.require(subject, "recovery subject");
            if (!Double.isFinite(recall)) {
                throw new IllegalArgumentException("recovery " + subject + ": recall must be finite");
            }
            curve = List.copyOf(curve);
        }
    }

    static List<JsonNode> rows(JsonNode rec) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode rows = rec.path("rows").isArray() ? rec.path("rows") : rec.path("results");
        rows.forEach(out::add);
        return out;
    }

    /** The row, or null when it has no recall number. */
    static Row row(JsonNode r) {
        JsonNode recall = r.path("recall_at_k").isNumber() ? r.path("recall_at_k") : r.path("recall");
        if (!recall.isNumber()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String f : List.of("sae", "task", "component", "method")) {
            if (r.path(f).isTextual()) {
                parts.add(r.path(f).asText());
            }
        }
        List<double[]> curve = new ArrayList<>();
        for (JsonNode c : r.path("curve")) {
            if (c.path("k").isNumber() && c.path("recall").isNumber()) {
                curve.add(new double[] {c.path("k").asDouble(), c.path("recall").asDouble()});
            }
        }
        return new Row(parts.isEmpty() ? "all" : String.join(", ", parts), recall.asDouble(), r.path("k").isInt() ? r.path("k").asInt() : null,
                RunFolder.num(r.path("chance")), RunFolder.num(r.path("ci").path("low")), RunFolder.num(r.path("ci").path("high")), curve);
    }
}
