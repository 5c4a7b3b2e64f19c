package org.isaerft.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.MiningIndex;
import org.isaerft.explain.Explanation;

/** index.html: run summary and a table of all latents, sortable by any column (template {@code dashboard/index.html.mustache}). */
final class IndexPage {
    private IndexPage() {}

    static final String TEMPLATE = "dashboard/index.html.mustache";

    /** What the template sees. */
    record View(String css, String sortJs, List<String> meta, int latents, long dead, List<String> columns, boolean hasExplanations,
            List<Row> rows) {}

    /** One latent's row: link, dead flag, numeric cells, explanation. */
    record Row(String href, String id, boolean dead, int order, List<NumCell> cells, String explanation) {}

    /** A numeric cell: raw value for sorting ("" for none) and the shown text. */
    record NumCell(String v, String shown) {
        static NumCell of(Double d) {
            return d == null ? new NumCell("", "") : new NumCell(Double.toString(d), Html.num(d));
        }
    }

    static String render(List<LatentRecord> records, MiningIndex index, Map<LatentId, List<Explanation>> expl,
            Map<LatentId, List<Dashboard.ScoreView>> scores, Map<LatentId, Double> changes) {
        TreeSet<String> scorers = Dashboard.scorers(scores);
        boolean hasChanges = !changes.isEmpty();
        boolean hasExpl = !expl.isEmpty();
        List<String> meta = new ArrayList<>();
        if (index != null) {
            meta.add("model " + index.model() + " · SAE " + index.sae() + " · corpus " + index.corpus() + " · " + index.tokens() + " tokens · k "
                    + index.config().topK() + " · window " + index.config().window() + " · seed " + index.config().seed());
            meta.add("split: " + index.splitRule());
        }
        List<String> columns = new ArrayList<>();
        scorers.forEach(s -> columns.add("score: " + s));
        if (hasChanges) {
            columns.add("adapter change");
        }
        List<Row> rows = new ArrayList<>();
        int order = 0;
        for (LatentRecord r : records) {
            List<NumCell> cells = new ArrayList<>(List.of(NumCell.of(r.stats().frequency()), NumCell.of(r.stats().maxActivation()),
                    NumCell.of(r.stats().meanActivation())));
            Map<String, Double> head = Dashboard.headlineScores(scores.getOrDefault(r.id(), List.of()));
            scorers.forEach(s -> cells.add(NumCell.of(head.get(s))));
            if (hasChanges) {
                cells.add(NumCell.of(changes.get(r.id())));
            }
            List<Explanation> l = expl.getOrDefault(r.id(), List.of());
            rows.add(new Row("latents/" + Dashboard.pageName(r.id()), r.id().toString(), r.dead(), order++, cells,
                    l.isEmpty() ? "" : l.get(0).description()));
        }
        long dead = records.stream().filter(LatentRecord::dead).count();
        return Templates.html(TEMPLATE, new View(Dashboard.CSS, Templates.SORT_JS, meta, records.size(), dead, columns, hasExpl, rows));
    }
}
