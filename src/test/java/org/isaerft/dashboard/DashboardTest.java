package org.isaerft.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentAccumulator;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LogitLens;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningOutput;
import org.isaerft.explain.Explanation;
import org.isaerft.util.Json;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dashboards parsed back with jsoup: pages, per-token values, escaping, optional explanation/score columns. */
class DashboardTest {
    static final int N = 6;
    static final String NASTY = "<b>&\"'";

    static String tokenString(int id) {
        return id == 7 ? NASTY : id == 8 ? "\n" : " w" + id;
    }

    /** Mines synthetic activations (latent 4 dead) into {@code dir}. */
    static List<LatentRecord> mineInto(Path dir) {
        MiningConfig cfg = MiningConfig.DEFAULT.withWindow(8).withTopK(4).withPerDecile(2).withRandom(3);
        LatentAccumulator acc = new LatentAccumulator("blocks.1.hook_resid_pre", N, cfg);
        Random r = new Random(4);
        for (int d = 0; d < 30; d++) {
            int len = 16;
            int[] toks = new int[len];
            float[] acts = new float[len * N];
            for (int t = 0; t < len; t++) {
                toks[t] = r.nextInt(12);
                for (int j = 0; j < N; j++) {
                    if (j != 4 && (toks[t] == 7 || r.nextDouble() < 0.1)) {
                        acts[t * N + j] = (float) (r.nextDouble() * (j + 1));
                    }
                }
            }
            acc.addSequence(d, 0, toks, len, acts, 0);
        }
        LogitLens[] lens = new LogitLens[N];
        for (int j = 0; j < N; j++) {
            lens[j] = new LogitLens(List.of(new LogitLens.TokenValue(7, NASTY, 2.5)), List.of(new LogitLens.TokenValue(1, " w1", -1.5)));
        }
        MiningOutput.write(dir, List.of(new MiningOutput.SourceState(acc, lens)),
                MiningOutput.tokenStrings(List.of(acc), DashboardTest::tokenString),
                new MiningOutput.Provenance("gpt2-tiny <m>", "sae", "synthetic", List.of(), 0));
        List<LatentRecord> out = new ArrayList<>();
        for (int j = 0; j < N; j++) {
            out.add(acc.record(j, DashboardTest::tokenString, lens[j]));
        }
        return out;
    }

    @Test
    void pagesShowEveryTokensActivationEscaped(@TempDir Path tmp) throws Exception {
        Path recs = tmp.resolve("latents");
        List<LatentRecord> records = mineInto(recs);
        Path out = tmp.resolve("dash");
        Dashboard.Result res = Dashboard.build(recs, out);
        assertThat(res.latentPages()).isEqualTo(N);
        try (Stream<Path> s = Files.list(out.resolve("latents"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".html")).count()).isEqualTo(N);
        }

        Document index = Jsoup.parse(out.resolve("index.html").toFile(), "UTF-8");
        Elements rows = index.select("table#latents tbody tr");
        assertThat(rows).hasSize(N);
        assertThat(index.select("tr.dead")).hasSize(1);
        assertThat(index.select("a[href]").eachAttr("href")).allMatch(h -> h.startsWith("latents/") && h.endsWith(".html"));
        assertThat(index.select("[src]")).isEmpty(); // self-contained: nothing loaded from anywhere
        assertThat(index.select("p.meta").text()).contains("gpt2-tiny <m>");
        for (Element a : index.select("a[href]")) {
            assertThat(out.resolve(a.attr("href"))).exists();
        }

        for (LatentRecord r : records) {
            Document page = Jsoup.parse(out.resolve("latents").resolve(r.id().fileSafe() + ".html").toFile(), "UTF-8");
            assertThat(page.select("[src]")).isEmpty();
            Elements windows = page.select("div.ex");
            List<Example> all = new ArrayList<>(r.topExamples());
            for (int d = 9; d >= 0; d--) {
                final int dd = d;
                all.addAll(r.decileExamples().stream().filter(e -> e.decile() == dd).toList());
            }
            all.addAll(r.randomExamples());
            assertThat(windows).hasSize(all.size());
            for (int i = 0; i < all.size(); i++) {
                Example e = all.get(i);
                Elements toks = windows.get(i).select("span.tok");
                assertThat(toks).hasSize(e.activations().length);
                assertThat(windows.get(i).attr("data-split")).isEqualTo(e.split());
                for (int t = 0; t < toks.size(); t++) {
                    assertThat(Float.parseFloat(toks.get(t).attr("title"))).isEqualTo(e.activations()[t]);
                    String shown = e.tokens().get(t).replace("\n", "\u21b5");
                    assertThat(toks.get(t).text()).isEqualTo(shown.strip().isEmpty() ? toks.get(t).text() : shown.strip());
                    assertThat(toks.get(t).wholeText()).isEqualTo(shown);
                }
                // no markup leaked from token text
                assertThat(windows.get(i).select("b")).isEmpty();
            }
            for (Element g : page.select("div.group[data-decile]")) {
                int d = Integer.parseInt(g.attr("data-decile"));
                assertThat(g.select("div.ex")).allSatisfy(x -> assertThat(x.attr("data-kind")).isEqualTo("decile"));
                assertThat(r.decileExamples().stream().filter(e -> e.decile() == d).count()).isEqualTo(g.select("div.ex").size());
            }
            assertThat(page.select("svg.hist rect").size()).isEqualTo(r.stats().histogramCounts().length);
            assertThat(page.select("table.lens td.ex").first().wholeText()).isEqualTo(NASTY);
            if (r.dead()) {
                assertThat(page.select("h1").text()).contains("dead");
            }
        }
        // a window that contains the nasty token shows it literally
        assertThat(Files.readString(out.resolve("latents").resolve(records.get(0).id().fileSafe() + ".html")))
                .contains("&lt;b&gt;&amp;&quot;&#39;").doesNotContain(NASTY);
    }

    @Test
    void explanationsScoresAndChangesBecomeColumns(@TempDir Path tmp) throws Exception {
        Path recs = tmp.resolve("latents");
        mineInto(recs);
        LatentId l0 = new LatentId("blocks.1.hook_resid_pre", 0);
        LatentId l2 = new LatentId("blocks.1.hook_resid_pre", 2);
        Explanation e = Explanation.of(l0, "fires on <script>alert(1)</script> tokens", "token-stats", null, null, null, List.of(),
                null);
        Files.writeString(recs.resolve(Dashboard.EXPLANATIONS_FILE), Json.line(e) + "\n");
        Files.writeString(recs.resolve(Dashboard.SCORES_FILE),
                "{\"latent\":\"" + l0 + "\",\"scorer\":\"detection\",\"baseline\":\"none\",\"value\":0.75}\n"
                        + "{\"latent\":\"" + l0 + "\",\"scorer\":\"detection\",\"baseline\":\"shuffled\",\"value\":0.5}\n"
                        + "{\"latent\":\"" + l2 + "\",\"scorer\":\"detection\",\"baseline\":\"none\",\"value\":null,"
                        + "\"undefined\":{\"reason\":\"SINGLE_CLASS\",\"message\":\"single class\"}}\n");
        Files.writeString(recs.resolve(Dashboard.CHANGES_FILE), Json.write(Map.of("latents",
                List.of(Map.of("latent", l2.toString(), "activation_change", -0.25, "parameter_change", 3.0)))));
        Path out = tmp.resolve("dash");
        Dashboard.Result res = Dashboard.build(recs, out);
        assertThat(res.explanations()).isEqualTo(1);
        assertThat(res.scores()).isEqualTo(3);
        assertThat(res.changes()).isEqualTo(1);

        Document index = Jsoup.parse(out.resolve("index.html").toFile(), "UTF-8");
        List<String> heads = index.select("thead th").eachText();
        assertThat(heads).contains("score: detection", "adapter change", "explanation", "frequency", "max activation");
        assertThat(index.select("script")).hasSize(1); // the explanation's <script> is text, not markup
        int scoreCol = heads.indexOf("score: detection");
        int changeCol = heads.indexOf("adapter change");
        Element row0 = index.select("tbody tr").get(0);
        assertThat(row0.child(scoreCol).attr("data-v")).isEqualTo("0.75");
        assertThat(row0.text()).contains("fires on <script>alert(1)</script> tokens");
        Element row2 = index.select("tbody tr").get(2);
        assertThat(row2.child(scoreCol).attr("data-v")).isEmpty();
        assertThat(row2.child(changeCol).attr("data-v")).isEqualTo("-0.25");
        Document p0 = Jsoup.parse(out.resolve("latents").resolve(l0.fileSafe() + ".html").toFile(), "UTF-8");
        assertThat(p0.select("div.expl").text()).contains("<script>alert(1)</script>");
        assertThat(p0.select("table.scores tr")).hasSize(3);
        Document p2 = Jsoup.parse(out.resolve("latents").resolve(l2.fileSafe() + ".html").toFile(), "UTF-8");
        assertThat(p2.select("table.scores").text()).contains("undefined: SINGLE_CLASS: single class");
        assertThat(p2.select("table.stats").text()).contains("adapter change");
    }

    @Test
    void realScoreRecordsFromAnotherDirectory(@TempDir Path tmp) throws Exception {
        Path recs = tmp.resolve("latents");
        mineInto(recs);
        LatentId l1 = new LatentId("blocks.1.hook_resid_pre", 1);
        Explanation e = Explanation.of(l1, "numbers", "llm:mock/m:default", null, null, null, List.of(), null);
        org.isaerft.score.Score sc = new org.isaerft.score.Score(org.isaerft.score.Score.SCHEMA_VERSION, org.isaerft.score.Score.TYPE, l1,
                org.isaerft.score.Score.ExplanationRef.of(e), "fuzzing", "none", 0.625, null, Map.of("auroc", 0.625), List.of(), null,
                null);
        Path scoresFile = tmp.resolve("scores/fuzzing/m/scores.jsonl");
        Files.createDirectories(scoresFile.getParent());
        Files.writeString(scoresFile, Json.line(sc) + "\n");
        Path explFile = tmp.resolve("explanations/m/explanations.jsonl");
        Files.createDirectories(explFile.getParent());
        Files.writeString(explFile, Json.line(e) + "\n");
        Dashboard.Result res = Dashboard.build(recs, tmp.resolve("dash"), List.of(explFile), List.of(scoresFile), null);
        assertThat(res.scores()).isEqualTo(1);
        Document index = Jsoup.parse(tmp.resolve("dash/index.html").toFile(), "UTF-8");
        List<String> heads = index.select("thead th").eachText();
        assertThat(index.select("tbody tr").get(1).child(heads.indexOf("score: fuzzing")).attr("data-v")).isEqualTo("0.625");
        assertThat(index.select("tbody tr").get(1).text()).contains("numbers");
        assertThatThrownBy(() -> Dashboard.build(recs, tmp.resolve("d2"), List.of(tmp.resolve("none.jsonl")), List.of(), null))
                .hasMessageContaining("none.jsonl does not exist");
    }

    @Test
    void recordsWithoutIndexAndBadInput(@TempDir Path tmp) throws Exception {
        Path recs = tmp.resolve("latents");
        List<LatentRecord> records = mineInto(recs);
        Files.delete(recs.resolve("index.json"));
        assertThat(Dashboard.build(recs, tmp.resolve("d")).latentPages()).isEqualTo(records.size());
        assertThatThrownBy(() -> Dashboard.build(tmp.resolve("nope"), tmp.resolve("d2"))).hasMessageContaining("does not exist");
        Files.writeString(recs.resolve(Dashboard.SCORES_FILE), "{\"scorer\":\"x\"}\n");
        assertThatThrownBy(() -> Dashboard.build(recs, tmp.resolve("d3"))).hasMessageContaining("scores.jsonl line 1");
    }
}
