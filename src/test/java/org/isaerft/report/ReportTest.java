package org.isaerft.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.isaerft.report.ReportModel.Finding;
import org.isaerft.report.ReportModel.Verdict;
import org.isaerft.util.Json;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of a small hand-made run folder ({@link TinyRun}) with known answers, as model, HTML and Markdown. */
class ReportTest {
    @TempDir
    Path tmp;

    static Map<String, Verdict> verdicts(ReportModel m, String question) {
        Finding f = m.findings().stream().filter(x -> x.question().equals(question)).findFirst().orElseThrow();
        return f.verdicts().stream().collect(Collectors.toMap(Verdict::subject, v -> v));
    }

    @Test
    void adapterVerdictIsYesWhenTheCardCiExcludesZeroAndNoWhenItDoesNot() {
        ReportModel m = Report.model(TinyRun.write(tmp));
        Map<String, Verdict> v = verdicts(m, Findings.Q_ADAPTERS);
        assertThat(v.get("scale").word()).isEqualTo("yes");
        // mean of SCALE = -0.05, every card lower
        assertThat(v.get("scale").evidence()).startsWith("\u22120.050 nats").contains("lower on 4/4 cards");
        assertThat(v.get("bias").word()).isEqualTo("no");
        assertThat(v.get("bias").evidence()).contains("lower on 2/4 cards");
    }

    @Test
    void descriptionsMatchIsYesAboveChanceAndAtChanceOtherwiseWithBhCountedRows() {
        ReportModel m = Report.model(TinyRun.write(tmp));
        Map<String, Verdict> v = verdicts(m, Findings.Q_MATCH);
        assertThat(v.keySet()).containsExactlyInAnyOrder("good", "weak"); // the control card's row is not a method row
        assertThat(v.get("good").word()).isEqualTo("yes");
        assertThat(v.get("good").evidence()).startsWith("AUROC 0.800").contains("4/4 rows q<0.05");
        assertThat(v.get("weak").word()).isEqualTo("at chance");
        assertThat(v.get("weak").evidence()).contains("0/4 rows q<0.05");
    }

    @Test
    void tooFewCardsGivesNoVerdict() {
        ReportModel m = Report.model(TinyRun.write(tmp, List.of("t1", "t2")));
        assertThat(verdicts(m, Findings.Q_ADAPTERS).get("scale").word()).isEqualTo("too few cards");
        assertThat(verdicts(m, Findings.Q_MATCH).get("good").word()).isEqualTo("too few cards");
    }

    @Test
    void aSignificantControlRowIsAWarningNotAFinding() {
        ReportModel m = Report.model(TinyRun.write(tmp));
        // BH over the 10 p-values by hand: 0.0005 (control card), 4 × 0.001 (good), 4 × 0.5 (weak), 0.6 (shuffled):
        // q(0.0005) = min(0.0005·10/1, q of rank 5 = 0.001·10/5) = 0.002
        assertThat(m.warnings()).hasSize(1);
        assertThat(m.warnings().get(0)).contains("control card", "local/control/scale/good", "q 0.002");
        Map<String, Verdict> c = verdicts(m, Findings.Q_CONTROLS);
        assertThat(c.get("control card").word()).isEqualTo("no");
        assertThat(c.get("shuffled descriptions").word()).isEqualTo("yes");
        // the control card never appears as a subject of a method finding
        for (Finding f : m.findings()) {
            f.verdicts().forEach(v -> assertThat(v.subject()).doesNotContain("control/"));
        }
    }

    @Test
    void qValuesInTheComparisonTableMatchHandComputedBh() {
        Map<com.fasterxml.jackson.databind.JsonNode, Double> q = Findings.comparisonQ(RunFolder.read(TinyRun.write(tmp)).comparison());
        Map<String, Double> byKey = q.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().path("task").asText() + "/"
                + e.getKey().path("method").asText() + "/" + e.getKey().path("control").asText(""), Map.Entry::getValue));
        assertThat(byKey.get("control/good/")).isCloseTo(0.002, within(1e-12));
        assertThat(byKey.get("t1/good/")).isCloseTo(0.002, within(1e-12));
        assertThat(byKey.get("t1/weak/")).isCloseTo(0.5 * 10 / 9, within(1e-12));
        assertThat(byKey.get("t1/good/shuffled")).isCloseTo(0.6, within(1e-12));
    }

    /** Replaces the comparison's paired rows with one e2e − local AUROC difference per card. */
    static void pairedDifferences(Path run, List<Double> d) {
        var cmp = (com.fasterxml.jackson.databind.node.ObjectNode) RunFolder.read(run).comparison();
        List<String> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            tasks.add("c" + i);
        }
        cmp.set("paired", Json.MAPPER.valueToTree(List.of(Map.of("metric", "auroc", "method", "good", "component", "scale", "sae_a", "local",
                "sae_b", "e2e", "tasks", tasks, "differences", d, "mean_difference", d.stream().mapToDouble(x -> x).average().orElseThrow(),
                "p_two_sided", 0.5))));
        Json.writeFile(run.resolve("validate/comparison.json"), cmp);
    }

    @Test
    void crossTaskDifferenceNeedsBothTheCardCiAndTheSignFlipQ() {
        Path run = TinyRun.write(tmp);
        // 6 cards, all positive: exact sign-flip p = 2/2^6 = 0.03125 (one row, so q = p), card-bootstrap CI above 0
        pairedDifferences(run, List.of(0.10, 0.12, 0.08, 0.11, 0.09, 0.10));
        Verdict six = verdicts(Report.model(run), MoreFindings.Q_SAE).get("e2e − local (good, scale)");
        assertThat(six.word()).isEqualTo("e2e better");
        assertThat(six.evidence()).contains("+0.100", "over 6 cards", "p 0.031", "q 0.031");
        // 4 cards, all positive: the CI excludes 0 but the smallest possible p is 2/2^4 = 0.125 — no difference shown
        pairedDifferences(run, List.of(0.10, 0.12, 0.08, 0.11));
        Verdict four = verdicts(Report.model(run), MoreFindings.Q_SAE).get("e2e − local (good, scale)");
        assertThat(four.word()).isEqualTo("no difference shown");
        assertThat(four.evidence()).contains("p 0.125");
        // method A − B is paired by card too: good − weak on the 4 cards of TinyRun, all positive → p 0.125
        Verdict m = verdicts(Report.model(run), MoreFindings.Q_METHODS).get("good − weak (local, scale)");
        assertThat(m.evidence()).startsWith("+0.295").contains("over 4 cards", "p 0.125");
    }

    @Test
    void stagesThatDidNotRunSayNotRun() {
        ReportModel m = Report.model(TinyRun.write(tmp));
        assertThat(verdicts(m, MoreFindings.Q_TRIGGER).get("").word()).isEqualTo("not run");
        assertThat(verdicts(m, MoreFindings.Q_RECOVERY).get("").word()).isEqualTo("not run");
    }

    static Map<String, Object> plantedRow(String sae, int answer, double cos, boolean matched, Boolean flagged, Integer auditRank, String why) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("sae", sae);
        r.put("sae_type", sae);
        r.put("task", "p-poison");
        r.put("clean_task", "p-poison-clean");
        r.put("component", "scale");
        r.put("method", "good");
        r.put("trigger", "Zq zq.");
        r.put("planted_sae", "local");
        r.put("planted_latent", 7);
        r.put("answer", answer);
        r.put("cosine", cos);
        r.put("matched", matched);
        if (flagged != null) {
            r.put("flagged", flagged);
        }
        if (auditRank != null) {
            r.put("audit_rank", auditRank);
        }
        r.put("n_flagged", 3);
        r.put("audit_k", 6);
        r.put("clean_flagged_count", 1);
        r.put("clean_audit_k", 6);
        if (flagged != null) {
            r.put("flagged_on_clean", false);
        }
        r.put("why", why);
        return r;
    }

    @Test
    void plantedPoisonRowsShowTheAnswerWhetherItWasFlaggedAndTheCleanTwinsCount() throws IOException {
        Path run = TinyRun.write(tmp);
        Json.writeFile(new org.isaerft.run.layout.RunLayout(run).trigger(), Map.of("schema_version", 2, "type", "trigger_audit",
                "searches", List.of(), "rows", List.of(), "planted", List.of(
                        plantedRow("local", 7, 1.0, true, true, 2, "flagged: 2 of 3 flagged (change rank 3 of 60)"),
                        plantedRow("e2e", 12, 0.31, false, null, null, "no matching latent: the best cosine with planted latent 7 of local "
                                + "is 0.310 (latent 12) < 0.5"))));
        Report.render(run);
        ReportModel m = Report.model(run);
        Map<String, Verdict> v = verdicts(m, MoreFindings.Q_TRIGGER);
        Verdict local = v.get("local, p-poison, scale, good: planted latent 7 of local");
        assertThat(local.word()).isEqualTo("yes (planted answer flagged)");
        assertThat(local.evidence()).contains("answer 7 (cosine 1.00)", "flagged: 2 of 3", "clean twin p-poison-clean: 1/6 flagged");
        assertThat(v.get("e2e, p-poison, scale, good: planted latent 7 of local").word()).isEqualTo("no matching latent");
        Document doc = Jsoup.parse(run.resolve(Report.HTML).toFile(), "UTF-8");
        assertThat(doc.select("#trigger-planted tbody tr")).hasSize(2);
        String first = doc.select("#trigger-planted tbody tr").get(0).text();
        assertThat(first).contains("7 of local", "flagged at 2 of 3", "3/6", "1/6 (p-poison-clean)");
        assertThat(doc.select("#trigger tbody tr")).isEmpty(); // no trigger-search table without trigger rows
        assertThat(Files.readString(run.resolve(Report.MARKDOWN))).contains("flagged at 2 of 3", "no matching latent");
        JsonNode pc = Json.MAPPER.readTree(run.resolve("summary.json").toFile()).path("planted_check");
        assertThat(pc).hasSize(2);
        assertThat(pc.get(0).path("answer").asInt()).isEqualTo(7);
        assertThat(pc.get(0).path("flagged").asBoolean()).isTrue();
        assertThat(pc.get(0).path("audit_rank").asInt()).isEqualTo(2);
        assertThat(pc.get(0).path("clean_flagged_count").asInt()).isEqualTo(1);
        assertThat(pc.get(1).path("matched").asBoolean()).isFalse();
        // a run without planted cards has no planted_check (its summary.json bytes are unchanged)
        Path plain = TinyRun.write(tmp.resolve("plain"));
        Report.render(plain);
        assertThat(Json.MAPPER.readTree(plain.resolve("summary.json").toFile()).has("planted_check")).isFalse();
    }

    @Test
    void recoveryOutputIsRenderedAsAFindingWithControlsAndAStrengthSweep() throws IOException {
        Path run = TinyRun.write(tmp);
        TinyRun.writeRecovery(run, false, false);
        Report.render(run);
        ReportModel m = Report.model(run);
        Map<String, Verdict> v = verdicts(m, MoreFindings.Q_RECOVERY);
        assertThat(v.get("local, scale").word()).isEqualTo("yes");
        assertThat(v.get("local, scale").evidence()).contains("recall@5 1.000", "vs chance k/d_alive 0.050 (d_alive 100)", "6 tasks",
                "random-latent plant 0.050");
        assertThat(v.get("e2e, scale").word()).isEqualTo("no");
        assertThat(v.get("control: unsteered twin, local, scale").word()).isEqualTo("at chance");
        assertThat(m.warnings()).noneMatch(w -> w.contains("Recovery control"));
        Document doc = Jsoup.parse(run.resolve(Report.HTML).toFile(), "UTF-8");
        // steered S=4 ×2 SAEs, sweep S=1 and S=8 on local, control ×2
        assertThat(doc.select("#recovery tbody tr")).hasSize(6);
        Element sweep = doc.select("div.chart svg").stream().filter(s -> s.select("title").first().text().startsWith("Recall@5"))
                .findFirst().orElseThrow();
        assertThat(sweep.select("path.line")).hasSize(1); // local, scale (e2e has no sweep)
        assertThat(sweep.select("circle")).hasSize(3); // S = 1, 4, 8
        // the recovery headlines are in summary.json (nightly compares them)
        JsonNode heads = Json.MAPPER.readTree(run.resolve("summary.json").toFile()).path("headlines");
        List<String> names = new java.util.ArrayList<>();
        heads.forEach(h -> names.add(h.path("name").asText()));
        assertThat(names).contains("recovery/recall_at_5/local/scale", "recovery/recall_at_5/e2e/scale",
                "recovery/control_recall_at_5/local/scale");
    }

    @Test
    void aRecoveryControlAboveChanceIsAWarning() {
        Path run = TinyRun.write(tmp);
        TinyRun.writeRecovery(run, true, false);
        ReportModel m = Report.model(run);
        assertThat(verdicts(m, MoreFindings.Q_RECOVERY).get("control: unsteered twin, local, scale").word()).isEqualTo("above chance");
        assertThat(m.warnings()).anyMatch(w -> w.contains("unsteered twin on local, scale"));
        Path run2 = TinyRun.write(tmp.resolve("random"));
        TinyRun.writeRecovery(run2, false, true);
        assertThat(Report.model(run2).warnings()).anyMatch(w -> w.contains("random-latent plant on local, scale"));
    }

    @Test
    void htmlOpensWithFindingsEscapesHostileTextAndHasSortableTablesAndCharts() throws IOException {
        Path run = TinyRun.write(tmp);
        Report.Result r = Report.render(run);
        String html = Files.readString(run.resolve(Report.HTML));
        Document doc = Jsoup.parse(html);
        // findings come before every detail section
        int findings = html.indexOf("id=\"findings\"");
        assertThat(findings).isPositive();
        for (Element s : doc.select("section")) {
            assertThat(html.indexOf("id=\"" + s.id() + "\"")).as("section %s after the findings", s.id()).isGreaterThan(findings);
        }
        assertThat(doc.select("#findings li.finding")).hasSize(8);
        assertThat(doc.select("#warnings li")).hasSize(1);
        // hostile descriptions are text, never markup: only our own sort script
        assertThat(doc.select("script")).hasSize(1);
        assertThat(doc.select("img")).isEmpty();
        assertThat(html).doesNotContain("<script>alert");
        assertThat(doc.select("#audit tbody td").eachText()).contains(TinyRun.HOSTILE, "<img src=x onerror=alert(1)>");
        assertThat(doc.select(".card li").eachText()).anyMatch(t -> t.contains(TinyRun.HOSTILE));
        // tables: one row per adapter / comparison row, sortable headers, numeric cells carry their raw value
        assertThat(doc.select("#adapters tbody tr")).hasSize(8);
        assertThat(doc.select("#sae-comparison tbody tr")).hasSize(10);
        assertThat(doc.select("#sae-comparison th.sort")).hasSize(12);
        assertThat(doc.select("#sae-comparison tr.control.warning")).hasSize(1);
        assertThat(doc.select("#sae-comparison tr.control.warning td").eachText()).contains("control card", "0.002");
        Element base = doc.select("#adapters tbody tr").first().select("td").get(4);
        assertThat(base.hasClass("num")).isTrue();
        assertThat(base.attr("data-v")).isEqualTo("2.0");
        // latent ids link to dashboards that exist; ids without a page are plain text
        assertThat(doc.select("#adapters tbody tr").first().select("a").eachAttr("href"))
                .containsExactly("dashboards/local/latents/" + TinyRun.HOOK + "__3.html");
        for (Element a : doc.select("a[href]")) {
            String href = a.attr("href");
            if (href.startsWith("#")) {
                assertThat(doc.getElementById(href.substring(1))).as("anchor %s", href).isNotNull();
            } else {
                assertThat(run.resolve(href)).as("link %s", href).exists();
            }
        }
        // charts: inline SVG with one bar per value
        assertThat(r.charts()).isEqualTo(doc.select("div.chart > svg").size()).isGreaterThanOrEqualTo(3);
        Element scale = doc.select("div.chart > svg").stream().filter(s -> s.select("title").first().text().endsWith("scale")).findFirst()
                .orElseThrow();
        assertThat(scale.select("rect.bar")).hasSize(4);
        Element auroc = doc.select("div.chart > svg").stream().filter(s -> s.select("title").first().text().contains("AUROC")).findFirst()
                .orElseThrow();
        assertThat(auroc.select("rect.band")).hasSize(1); // the shuffled control of t1
        assertThat(auroc.select("line.reference")).hasSize(1);
        assertThat(doc.select("script[src], link[href], img[src]")).isEmpty();
    }

    @Test
    void markdownRendersTheSameFindingsWithPipesEscaped() throws IOException {
        Path run = TinyRun.write(tmp);
        Report.render(run);
        String md = Files.readString(run.resolve(Report.MARKDOWN));
        ReportModel m = Report.model(run);
        for (Finding f : m.findings()) {
            assertThat(md).contains("- **" + f.question() + "**");
        }
        assertThat(md).contains("  - scale: **yes** (", "  - good: **at chance**".replace("good", "weak"));
        assertThat(md.indexOf("## Findings")).isLessThan(md.indexOf("## Adapters"));
        assertThat(md).contains("a \\| b").doesNotContain("a | b");
        assertThat(md).contains("| local | t1 | scale | 8 | 2.000 | 1.950 |");
    }

    @Test
    void nightlyComparisonSitsBesideTheFindings() throws IOException {
        Path run = TinyRun.write(tmp);
        Json.writeFile(new org.isaerft.run.layout.RunLayout(run).compare(), Map.of("schema_version", 1, "type", "run_comparison", "previous", "/prev", "current", "/cur",
                "regressions", 1, "improvements", 0, "rows", List.of(
                        Map.of("name", "adapter/task_loss/local/t1/scale", "previous", 1.9, "current", 1.95, "delta", 0.05, "tolerance", 0.02,
                                "status", "regression"),
                        Map.of("name", "score/x", "previous", 0.5, "current", 0.5, "delta", 0.0, "tolerance", 0.02, "status", "unchanged"))));
        Report.render(run);
        Document doc = Jsoup.parse(run.resolve(Report.HTML).toFile(), "UTF-8");
        Element top = doc.selectFirst("div.top");
        assertThat(top.select("#findings")).hasSize(1);
        assertThat(top.select("#nightly li").eachText()).containsExactly(
                "REGRESSION: adapter/task_loss/local/t1/scale 1.900 → 1.950 (Δ 0.050, tolerance 0.020)");
        assertThat(doc.select("#compare tr.regression")).hasSize(1);
        assertThat(doc.select("#compare tr.unchanged")).hasSize(1);
        assertThat(Files.readString(run.resolve(Report.MARKDOWN))).contains("1 regressions, 0 improvements");
    }

    @Test
    void summaryJsonIsTheHeadlinesAndNotThePresentation() throws IOException {
        Path run = TinyRun.write(tmp);
        Report.render(run);
        var sum = Json.MAPPER.readTree(run.resolve(Report.SUMMARY).toFile());
        assertThat(sum.path("run_id").asText()).isEqualTo("tiny");
        // 8 adapters + 9 method/control-card cells with an AUROC (the shuffled row is a baseline, not a headline)
        assertThat(sum.path("headlines")).hasSize(8 + 9);
        assertThat(sum.path("headlines").get(0).path("name").asText()).isEqualTo("adapter/task_loss/local/t1/scale");
        assertThat(sum.has("findings")).isFalse();
    }
}
