package org.isaerft.dashboard;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.MiningIndex;
import org.isaerft.explain.Explanation;

/** index.html: run summary and a table of all latents, sortable by any column (inline JS). */
final class IndexPage {
    private IndexPage() {}


    static String render(List<LatentRecord> records, MiningIndex index, Map<LatentId, List<Explanation>> expl,
            Map<LatentId, List<Dashboard.ScoreView>> scores, Map<LatentId, Double> changes) {
        TreeSet<String> scorers = Dashboard.scorers(scores);
        boolean hasChanges = !changes.isEmpty();
        boolean hasExpl = !expl.isEmpty();
        long dead = records.stream().filter(LatentRecord::dead).count();
        StringBuilder b = new StringBuilder(records.size() * 300 + 4096);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Latents</title><style>")
                .append(Dashboard.CSS).append("</style></head><body>\n<h1>Latents</h1>\n<p class=\"meta\">");
        if (index != null) {
            b.append("model ").append(Html.esc(index.model())).append(" · SAE ").append(Html.esc(index.sae())).append(" · corpus ")
                    .append(Html.esc(index.corpus())).append(" · ").append(index.tokens()).append(" tokens · k ")
                    .append(index.config().topK()).append(" · window ").append(index.config().window()).append(" · seed ")
                    .append(index.config().seed()).append("<br>split: ").append(Html.esc(index.splitRule())).append("<br>");
        }
        b.append(records.size()).append(" latents, ").append(dead).append(" dead</p>\n");
        b.append("<label><input type=\"checkbox\" id=\"hidedead\"> hide dead latents</label>\n");
        b.append("<table id=\"latents\"><thead><tr><th class=\"sort\" data-type=\"num\">latent</th>")
                .append("<th class=\"sort\" data-type=\"num\">frequency</th><th class=\"sort\" data-type=\"num\">max activation</th>")
                .append("<th class=\"sort\" data-type=\"num\">mean activation</th>");
        for (String s : scorers) {
            b.append("<th class=\"sort\" data-type=\"num\">score: ").append(Html.esc(s)).append("</th>");
        }
        if (hasChanges) {
            b.append("<th class=\"sort\" data-type=\"num\">adapter change</th>");
        }
        if (hasExpl) {
            b.append("<th class=\"sort\" data-type=\"text\">explanation</th>");
        }
        b.append("</tr></thead><tbody>\n");
        int row = 0;
        for (LatentRecord r : records) {
            b.append("<tr").append(r.dead() ? " class=\"dead\"" : "").append(">");
            b.append("<td data-v=\"").append(row++).append("\"><a href=\"latents/").append(Html.esc(Dashboard.pageName(r.id())))
                    .append("\">").append(Html.esc(r.id().toString())).append("</a>").append(r.dead() ? " (dead)" : "").append("</td>");
            numCell(b, r.stats().frequency());
            numCell(b, r.stats().maxActivation());
            numCell(b, r.stats().meanActivation());
            Map<String, Double> head = Dashboard.headlineScores(scores.getOrDefault(r.id(), List.of()));
            for (String s : scorers) {
                numCell(b, head.get(s));
            }
            if (hasChanges) {
                numCell(b, changes.get(r.id()));
            }
            if (hasExpl) {
                List<Explanation> l = expl.getOrDefault(r.id(), List.of());
                String text = l.isEmpty() ? "" : l.get(0).description();
                b.append("<td data-v=\"").append(Html.esc(text)).append("\">").append(Html.esc(text)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</tbody></table>\n<script>").append(Templates.SORT_JS).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void numCell(StringBuilder b, Double v) {
        if (v == null) {
            b.append("<td class=\"n\" data-v=\"\"></td>");
        } else {
            b.append("<td class=\"n\" data-v=\"").append(v).append("\">").append(Html.num(v)).append("</td>");
        }
    }
}
