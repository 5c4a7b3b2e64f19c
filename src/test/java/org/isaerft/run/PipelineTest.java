package org.isaerft.run;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.isaerft.activations.LatentRecord;
import org.isaerft.config.RunConfig;
import org.isaerft.explain.ExplainResult;
import org.isaerft.explain.Explainer;
import org.isaerft.explain.LogitLensExplainer;
import org.isaerft.explain.TokenStatsExplainer;
import org.isaerft.report.Compare;
import org.isaerft.report.Report;
import org.isaerft.run.layout.StageId;
import org.isaerft.util.Json;
import org.isaerft.validate.TriggerAudit;
import org.isaerft.validate.TriggerLatents;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny offline config (stories260K, a quick local SAE trained by the run, two task cards) end
 * to end, once; then resume, force and changed-input semantics on copies of that run, the report's
 * HTML, and the nightly comparison.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineTest {
    @TempDir
    static Path tmp;

    Path base;
    RunConfig cfg;
    Pipeline.Outcome first;
    /** A copy of the first run as it finished (other tests rerun in {@code base}). */
    Path pristine;

    static RunConfig tinyConfig() throws IOException {
        try (var in = PipelineTest.class.getResourceAsStream("/run/tiny.yaml")) {
            return RunConfig.parse(in, "tiny.yaml");
        }
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Counts calls per method; the token-stats explainer throws after {@code failAfter} calls (-1 = never). */
    static final class Counting implements ExplainerFactory {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        final int failAfter;

        Counting(int failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public Made create(String method, Path cacheDir) {
            Explainer inner = method.equals("token-stats") ? new TokenStatsExplainer() : new LogitLensExplainer();
            AtomicInteger n = calls.computeIfAbsent(method, m -> new AtomicInteger());
            return new Made(new Explainer() {
                @Override
                public String method() {
                    return inner.method();
                }

                @Override
                public ExplainResult explain(LatentRecord r) {
                    if (method.equals("token-stats") && failAfter >= 0 && n.get() >= failAfter) {
                        throw new IllegalStateException("simulated kill after " + failAfter + " latents");
                    }
                    n.incrementAndGet();
                    return inner.explain(r);
                }
            }, null, null);
        }

        int calls(String m) {
            return calls.getOrDefault(m, new AtomicInteger()).get();
        }
    }

    @BeforeAll
    void runOnce() throws IOException {
        cfg = tinyConfig();
        base = tmp.resolve("base");
        first = Pipeline.builder(cfg, base, TestHome.HOME).log(quiet()).build().run();
        pristine = copyOfBase("pristine");
    }

    @Test
    void aSecondRunElsewhereIsIdenticalOutsideTimingFieldsAndAMovedRunFolderResumesWithEveryStageSkipped() throws IOException {
        Path second = tmp.resolve("second");
        Pipeline.builder(cfg, second, TestHome.HOME).log(quiet()).build().run();
        assertThat(RunFolderDiff.diff(pristine, second)).as("differences outside timing fields").isEmpty();
        // nothing in the run folder names the run folder
        for (String f : RunFolderDiff.files(second)) {
            if (f.endsWith(".json") || f.endsWith(".jsonl") || f.endsWith(".md") || f.startsWith("_")) {
                assertThat(second.resolve(f)).content().as("%s", f).doesNotContain(second.toString());
            }
        }
        Path moved = tmp.resolve("moved").resolve("elsewhere");
        Files.createDirectories(moved.getParent());
        Files.move(second, moved);
        Pipeline.Outcome o = Pipeline.builder(cfg, moved, TestHome.HOME).log(quiet()).build().run();
        assertThat(o.stages().values()).containsOnly("skipped");
        // the resumed run changed nothing but run_config.json's record of what this invocation did
        assertThat(RunFolderDiff.diff(pristine, moved)).containsExactly("differs: run_config.json: .stages.adapters: \"ran\" vs \"skipped\"");
    }

    Path copyOfBase(String name) throws IOException {
        Path dst = tmp.resolve(name);
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(base.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return dst;
    }

    @Test
    void endToEndWritesEveryStageAndTheDatasets() throws IOException {
        assertThat(first.stages().values()).containsOnly("ran");
        for (StageId s : StageId.values()) {
            StageMarker m = StageMarker.read(base.resolve(s.id()), StageMarker.SUCCESS);
            assertThat(m).as("marker of %s", s).isNotNull();
            assertThat(m.inputHash()).hasSize(64);
        }
        JsonNode rc = Json.MAPPER.readTree(base.resolve("run_config.json").toFile());
        assertThat(rc.path("schema_version").asInt()).isEqualTo(1);
        assertThat(rc.path("versions").path("java").asText()).isNotEmpty();
        assertThat(rc.path("config").path("seed").asLong()).isEqualTo(7);
        for (StageId s : StageId.values()) {
            assertThat(rc.path("timing").path(s.id()).path("seconds").asDouble()).as("timing of %s", s).isPositive();
        }
        // adapters: every task × component, loss measured on held-out text
        JsonNode ad = Json.MAPPER.readTree(base.resolve("adapters/summary.json").toFile());
        assertThat(ad.path("adapters")).hasSize(3);
        // tiny.yaml gives no lr: each component trains at its default from the lr sweep (TrainConfig.defaultLr)
        JsonNode hp = Json.MAPPER.readTree(base.resolve("adapters/local/dogs/scale/metadata.json").toFile()).path("hyperparameters");
        assertThat(hp.path("lr").asDouble()).isEqualTo(org.isaerft.adapter.TrainConfig.defaultLr(org.isaerft.adapter.AdapterKind.SCALE));
        assertThat(hp.path("eval_windows").asInt()).isEqualTo(8);
        for (JsonNode a : ad.path("adapters")) {
            assertThat(a.path("base_task_loss").asDouble()).isPositive();
            assertThat(a.path("top_changed_latents")).hasSize(20);
        }
        // explanation datasets: explanations.jsonl, latent_descriptions.json exactly {id: description}, Neuronpedia export
        Path ex = base.resolve("explain/local/logit-lens");
        List<String> lines = Files.readAllLines(ex.resolve("explanations.jsonl"));
        JsonNode desc = Json.MAPPER.readTree(ex.resolve("latent_descriptions.json").toFile());
        assertThat(lines).hasSize(desc.size()).isNotEmpty();
        desc.fields().forEachRemaining(e -> {
            assertThat(e.getKey()).startsWith("blocks.2.hook_resid_pre/");
            assertThat(e.getValue().isTextual()).isTrue();
        });
        JsonNode firstLine = Json.MAPPER.readTree(lines.get(0));
        assertThat(desc.path(firstLine.path("latent").asText()).asText()).isEqualTo(firstLine.path("description").asText());
        assertThat(ex.resolve("neuronpedia_explanations.json")).exists();
        // explained latents: at most max_latents, half of them the adapters' most-changed
        long records;
        try (Stream<Path> s = Files.list(base.resolve("explain/local/records"))) {
            records = s.filter(p -> p.toString().endsWith(".json")).count();
        }
        assertThat(records).isEqualTo(24);
        // summary.json: every headline with its baseline
        JsonNode sum = Json.MAPPER.readTree(base.resolve(Report.SUMMARY).toFile());
        assertThat(sum.path("headlines").size()).isGreaterThanOrEqualTo(2 + 1 + 1); // adapters, logit-lens score, its validation
        for (JsonNode h : sum.path("headlines")) {
            assertThat(h.path("baseline_kind").asText()).as("baseline kind of %s", h.path("name")).isNotEmpty();
            if (!h.path("name").asText().startsWith("score/")) {
                assertThat(h.path("baseline").isNumber()).as("baseline of %s", h.path("name")).isTrue();
            }
        }
        // the logit-lens explains every latent, so its shuffled baseline and CI are defined
        JsonNode ll = null;
        for (JsonNode h : sum.path("headlines")) {
            if (h.path("name").asText().equals("score/embedding/local/logit-lens")) {
                ll = h;
            }
        }
        assertThat(ll).isNotNull();
        assertThat(ll.path("baseline").isNumber()).isTrue();
        assertThat(ll.path("ci_low").asDouble()).isLessThanOrEqualTo(ll.path("value").asDouble());
        assertThat(ll.path("ci_high").asDouble()).isGreaterThanOrEqualTo(ll.path("value").asDouble());
        assertThat(base.resolve(Report.MARKDOWN)).content().contains("## Headline numbers", "## Validation");
    }

    @Test
    void validateChecksThePoisonedCardsTriggerLatentsAgainstTheAuditBesideTheCleanCard() throws IOException {
        // the trigger search ran from model + SAE on the poisoned card's documents
        TriggerLatents t = TriggerLatents.read(base.resolve("validate/trigger/local/dogs-poisoned.json"));
        assertThat(t.trigger()).isEqualTo("purple umbrella");
        assertThat(t.windowsWith()).isPositive();
        assertThat(t.windowsWithout()).isGreaterThan(t.windowsWith());
        assertThat(t.topByEffect()).isNotEmpty();
        for (TriggerLatents.Entry e : t.latents()) {
            assertThat(e.effect()).isGreaterThanOrEqualTo(t.minEffect());
            assertThat(e.meanWith()).isGreaterThanOrEqualTo(t.minRatio() * e.meanWithout());
        }
        // every validation of the poisoned card was given them; the clean cards' were not
        JsonNode val = Json.MAPPER.readTree(base.resolve("validate/validation.json").toFile());
        Map<String, JsonNode> cells = new HashMap<>();
        for (JsonNode r : val.path("results")) {
            if (r.path("skipped").isTextual()) { // too few described latents for this method (token-stats describes few)
                continue;
            }
            cells.put(r.path("task").asText() + "/" + r.path("method").asText(), r.path("validation"));
            JsonNode check = r.path("validation").path("audit").path("trigger");
            assertThat(check.isObject()).as("trigger check of %s", r.path("task")).isEqualTo(r.path("task").asText().equals("dogs-poisoned"));
            if (check.isObject()) {
                assertThat(Json.MAPPER.convertValue(check.path("trigger_latents"), List.class)).isEqualTo(t.latentIndices());
            }
        }
        // trigger.json: one row per component × method, consistent with both cards' audits
        JsonNode doc = Json.MAPPER.readTree(base.resolve("validate/" + TriggerAudit.FILE).toFile());
        assertThat(doc.path("schema_version").asInt()).isEqualTo(TriggerAudit.SCHEMA_VERSION);
        assertThat(doc.path("searches")).hasSize(1);
        assertThat(doc.path("planted")).isEmpty(); // no planted poison card in tiny.yaml
        assertThat(doc.path("rows")).hasSize(2);
        JsonNode sum = Json.MAPPER.readTree(base.resolve(Report.SUMMARY).toFile());
        assertThat(sum.path("trigger_check")).hasSize(2);
        assertThat(cells).as("validated cells").containsKeys("dogs-poisoned/logit-lens", "dogs/logit-lens");
        int fullyChecked = 0;
        for (JsonNode row : doc.path("rows")) {
            JsonNode poisoned = cells.get("dogs-poisoned/" + row.path("method").asText());
            JsonNode clean = cells.get("dogs/" + row.path("method").asText());
            assertThat(row.path("clean_task").asText()).isEqualTo("dogs");
            if (poisoned == null) {
                assertThat(row.path("skipped").asText()).contains("the poisoned card's validation was skipped");
                continue;
            }
            if (clean == null) {
                assertThat(row.path("clean_flagged_count").isMissingNode()).isTrue();
                continue;
            }
            fullyChecked++;
            assertThat(row.path("n_flagged").asInt()).isEqualTo(poisoned.path("audit").path("n_flagged").asInt());
            assertThat(row.path("clean_flagged_count").asInt()).isEqualTo(clean.path("audit").path("n_flagged").asInt());
            List<Integer> flaggedPoisoned = new ArrayList<>();
            poisoned.path("audit").path("flagged").forEach(f -> flaggedPoisoned.add(org.isaerft.activations.LatentId.parse(f.path("latent").asText()).index()));
            List<Integer> flaggedClean = new ArrayList<>();
            clean.path("audit").path("flagged").forEach(f -> flaggedClean.add(org.isaerft.activations.LatentId.parse(f.path("latent").asText()).index()));
            int hits = 0;
            assertThat(row.path("latents")).hasSize(t.latents().size());
            for (JsonNode l : row.path("latents")) {
                int li = l.path("latent").asInt();
                assertThat(l.path("flagged").asBoolean()).isEqualTo(flaggedPoisoned.contains(li));
                assertThat(l.path("flagged_on_clean").asBoolean()).isEqualTo(flaggedClean.contains(li));
                if (l.path("flagged").asBoolean()) {
                    hits++;
                    assertThat(l.path("audit_rank").asInt()).isEqualTo(flaggedPoisoned.indexOf(li) + 1);
                }
                assertThat(l.path("why").asText()).isNotBlank();
            }
            if (t.latents().isEmpty()) {
                assertThat(row.path("recall").isMissingNode()).isTrue();
                assertThat(row.path("note").asText()).contains("no latent responds");
            } else {
                assertThat(row.path("recall").asDouble()).isEqualTo((double) hits / t.latents().size());
            }
        }
        // the logit-lens cells of both cards are validated (asserted above), so at least that row is checked in full, beside the
        // clean card; that a trigger strong enough to be found is found and flagged is required by validate.PlantedTriggerTest
        assertThat(fullyChecked).as("trigger rows checked against both cards").isGreaterThanOrEqualTo(1);
        // shown in both reports
        Document html = Jsoup.parse(base.resolve(Report.HTML).toFile(), "UTF-8");
        assertThat(html.select("#trigger tr")).hasSize(1 + 2);
        assertThat(html.select("#trigger tr").stream().filter(tr -> tr.text().contains("logit-lens")).findFirst().orElseThrow().text())
                .contains("local", "dogs-poisoned", "(dogs)");
        assertThat(html.text()).contains("windows with the phrase");
        assertThat(base.resolve(Report.MARKDOWN)).content().contains("## Planted poison: trigger latents vs the data audit",
                "| local | dogs-poisoned | scale | logit-lens |");
    }

    @Test
    void reportHtmlIsSelfContainedWithTablesChartsAndWorkingLinks() throws IOException {
        Document doc = Jsoup.parse(base.resolve(Report.HTML).toFile(), "UTF-8");
        for (String id : List.of("timing", "headlines", "adapters", "validation", "sae-comparison", "audit", "trigger")) {
            Element t = doc.getElementById(id);
            assertThat(t).as("table #%s", id).isNotNull();
            assertThat(t.select("tr").size()).as("rows of #%s", id).isGreaterThan(1);
        }
        assertThat(doc.select("#validation tr")).hasSize(1 + 3 * 2); // 3 tasks × 1 component × 2 methods
        assertThat(doc.select("div.chart > svg")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(doc.select("script[src], link[href], img[src^=http]")).isEmpty();
        List<Element> links = doc.select("a[href]");
        assertThat(links).isNotEmpty();
        for (Element a : links) {
            String href = a.attr("href");
            assertThat(href).doesNotStartWith("http");
            if (href.startsWith("#")) { // in-page link (the report's contents): its target exists
                assertThat(doc.getElementById(href.substring(1))).as("anchor %s", href).isNotNull();
                continue;
            }
            assertThat(base.resolve(href)).as("link %s", href).exists();
        }
        assertThat(doc.select(".card")).hasSizeGreaterThan(5);
    }

    @Test
    void rerunSkipsEveryFinishedStage() {
        Pipeline.Outcome again = Pipeline.builder(cfg, base, TestHome.HOME).log(quiet()).build().run();
        assertThat(again.stages().values()).containsOnly("skipped");
    }

    @Test
    void resumeAfterAKillMidExplainRedoesNothingAndLosesNothing() throws IOException {
        Path run = copyOfBase("resume");
        Counting dying = new Counting(5);
        assertThatThrownBy(() -> Pipeline.builder(cfg, run, TestHome.HOME).log(quiet()).force(StageId.EXPLAIN).explainers(dying).build().run())
                .hasMessageContaining("simulated kill");
        Path latents = run.resolve("explain/local/token-stats/latents");
        assertThat(StageMarker.read(run.resolve("explain"), StageMarker.SUCCESS)).isNull();
        Map<String, String> before = filesAndContents(latents);
        Map<String, String> failuresBefore = filesAndContents(run.resolve("explain/local/token-stats/failures"));
        assertThat(before.size() + failuresBefore.size()).isEqualTo(5);

        // a temporary an atomic write left when the process was killed (kill -9 leaves .NAME.<n>.tmp)
        Files.createDirectories(latents);
        Path stale = latents.resolve(".blocks.2.hook_resid_pre__1.json.8127361.tmp");
        Files.writeString(stale, "{\"half\": ");
        Counting counting = new Counting(-1);
        Pipeline.Outcome o = Pipeline.builder(cfg, run, TestHome.HOME).log(quiet()).explainers(counting).build().run();
        assertThat(stale).doesNotExist();
        assertThat(o.stages().get(StageId.SAES)).isEqualTo("skipped");
        assertThat(o.stages().get(StageId.ADAPTERS)).isEqualTo("skipped");
        assertThat(o.stages().get(StageId.MINE)).isEqualTo("skipped");
        assertThat(o.stages().get(StageId.EXPLAIN)).isEqualTo("ran");
        // nothing redone: the 5 explained latents are not asked again (typed failures are retried by design)
        assertThat(counting.calls("token-stats")).isEqualTo(24 - before.size());
        assertThat(counting.calls("logit-lens")).isEqualTo(24);
        // nothing lost: the earlier files are untouched, and the result equals the uninterrupted run
        Map<String, String> after = filesAndContents(latents);
        for (var e : before.entrySet()) {
            assertThat(after.get(e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(after.keySet()).isEqualTo(filesAndContents(base.resolve("explain/local/token-stats/latents")).keySet());
        assertThat(Json.MAPPER.readTree(run.resolve("explain/local/token-stats/latent_descriptions.json").toFile()))
                .isEqualTo(Json.MAPPER.readTree(base.resolve("explain/local/token-stats/latent_descriptions.json").toFile()));
    }

    @Test
    void forceRedoesTheStageAndEverythingDownstreamOnly() throws IOException {
        Path run = copyOfBase("force");
        String finishedBefore = StageMarker.read(run.resolve("validate"), StageMarker.SUCCESS).finishedAt();
        Pipeline.Outcome o = Pipeline.builder(cfg, run, TestHome.HOME).log(quiet()).force(StageId.VALIDATE).build().run();
        assertThat(o.stages()).containsEntry(StageId.SAES, "skipped").containsEntry(StageId.ADAPTERS, "skipped")
                .containsEntry(StageId.MINE, "skipped").containsEntry(StageId.EXPLAIN, "skipped").containsEntry(StageId.SCORE, "skipped")
                .containsEntry(StageId.VALIDATE, "ran").containsEntry(StageId.REPORT, "ran");
        assertThat(StageMarker.read(run.resolve("validate"), StageMarker.SUCCESS).finishedAt()).isNotEqualTo(finishedBefore);
        // same seed, same inputs: the redone validation equals the first
        assertThat(Json.MAPPER.readTree(run.resolve("validate/validation.json").toFile()))
                .isEqualTo(Json.MAPPER.readTree(base.resolve("validate/validation.json").toFile()));
    }

    @Test
    void recoveryStageWritesTheBenchmarkAndIsForcedAloneWithTheReport() throws IOException {
        JsonNode rec = Json.MAPPER.readTree(base.resolve("recovery/recovery.json").toFile());
        assertThat(rec.path("type").asText()).isEqualTo("isaerft.recovery");
        assertThat(rec.path("tasks")).hasSize(2);
        assertThat(rec.path("analysis").path("cells").size()).isGreaterThanOrEqualTo(2); // steered + control (+ sweep)
        JsonNode sum = Json.MAPPER.readTree(base.resolve("recovery/summary.json").toFile());
        assertThat(sum.path("headlines").path("local_scale_recall_at_5").isNumber()).isTrue();
        StageMarker m = StageMarker.read(base.resolve("recovery"), StageMarker.SUCCESS);
        assertThat(m.output().get("tasks")).isEqualTo(2);
        // the run summary carries the recovery headlines (nightly compares them)
        List<String> names = new java.util.ArrayList<>();
        Json.MAPPER.readTree(base.resolve("summary.json").toFile()).path("headlines").forEach(h -> names.add(h.path("name").asText()));
        assertThat(names).as("headlines of summary.json").contains("recovery/recall_at_5/local/scale",
                "recovery/control_recall_at_5/local/scale");

        Path run = copyOfBase("force-recovery");
        Pipeline.Outcome o = Pipeline.builder(cfg, run, TestHome.HOME).log(quiet()).force(StageId.RECOVERY).build().run();
        assertThat(o.stages()).containsEntry(StageId.VALIDATE, "skipped").containsEntry(StageId.RECOVERY, "ran")
                .containsEntry(StageId.REPORT, "ran");
        // seeded: the redone benchmark measures the same ranks
        assertThat(Json.MAPPER.readTree(run.resolve("recovery/recovery.json").toFile()).path("analysis"))
                .isEqualTo(rec.path("analysis"));

        // without the section the stage is not run and leaves no stale output for the report
        RunConfig without = new RunConfig(cfg.schemaVersion(), cfg.runId(), cfg.seed(), cfg.model(), cfg.corpus(), cfg.saes(),
                cfg.adapters(), cfg.mine(), cfg.explain(), cfg.score(), cfg.validate(), null);
        Pipeline.Outcome o2 = Pipeline.builder(without, run, TestHome.HOME).log(quiet()).build().run();
        assertThat(o2.stages()).doesNotContainKey(StageId.RECOVERY).containsEntry(StageId.VALIDATE, "skipped")
                .containsEntry(StageId.REPORT, "ran");
        assertThat(run.resolve("recovery")).doesNotExist();
    }

    @Test
    void aChangedConfigSliceRerunsThatStage() throws IOException {
        Path run = copyOfBase("changed");
        RunConfig.ValidateSection v = cfg.validate();
        RunConfig changed = new RunConfig(cfg.schemaVersion(), cfg.runId(), cfg.seed(), cfg.model(), cfg.corpus(), cfg.saes(),
                cfg.adapters(), cfg.mine(), cfg.explain(), cfg.score(),
                new RunConfig.ValidateSection(v.relevance(), 3, v.permutations(), v.bootstrap(), v.auditTop()), cfg.recovery());
        Pipeline.Outcome o = Pipeline.builder(changed, run, TestHome.HOME).log(quiet()).build().run();
        assertThat(o.stages()).containsEntry(StageId.EXPLAIN, "skipped").containsEntry(StageId.SCORE, "skipped")
                .containsEntry(StageId.VALIDATE, "ran").containsEntry(StageId.REPORT, "ran");
        JsonNode val = Json.MAPPER.readTree(run.resolve("validate/validation.json").toFile());
        int checked = 0;
        for (JsonNode r : val.path("results")) {
            if (r.path("n_described").asInt() >= 6) {
                assertThat(r.path("validation").path("k").asInt()).isEqualTo(3);
                checked++;
            }
        }
        assertThat(checked).as("validations with at least 6 described latents").isPositive();
    }

    @Test
    void nightlyComparisonMarksARegressionInTheReport() throws IOException {
        Path prev = copyOfBase("previous");
        // the previous run: one score higher than the current run's CI (a regression), one adapter's task loss higher
        // (lower is better: an improvement), one validation AUROC different beyond the tolerance but inside the
        // current CI (sampling noise: unchanged)
        JsonNode sum = Json.MAPPER.readTree(prev.resolve(Report.SUMMARY).toFile());
        String worse = null;
        String better = null;
        String noise = null;
        List<Map<String, Object>> heads = new ArrayList<>();
        for (JsonNode h : sum.path("headlines")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.convertValue(h, HashMap.class);
            String name = h.path("name").asText();
            double v = h.path("value").asDouble();
            if (worse == null && name.startsWith("score/") && h.path("ci_high").isNumber()) {
                worse = name;
                m.put("value", h.path("ci_high").asDouble() + 0.1);
            } else if (better == null && name.startsWith("adapter/task_loss/")) {
                better = name;
                m.put("value", v + 0.05);
            } else if (noise == null && name.startsWith("validation/auroc/") && h.path("ci_high").asDouble() - v > 0.03) {
                noise = name;
                m.put("value", h.path("ci_high").asDouble());
            }
            heads.add(m);
        }
        assertThat(List.of(String.valueOf(worse), String.valueOf(better), String.valueOf(noise))).doesNotContain("null");
        Json.writeFile(prev.resolve(Report.SUMMARY), Map.of("schema_version", 1, "headlines", heads));
        Path cur = copyOfBase("current");
        Compare.Comparison c = Compare.compareAndReport(prev, cur, Compare.Tolerances.DEFAULT);
        assertThat(c.regressions()).isEqualTo(1);
        assertThat(c.improvements()).isEqualTo(1);
        Map<String, Compare.Row> byName = new HashMap<>();
        c.rows().forEach(r -> byName.put(r.name(), r));
        assertThat(byName.get(worse).status()).isEqualTo("regression");
        assertThat(byName.get(worse).withinCi()).isFalse();
        assertThat(byName.get(better).status()).isEqualTo("improvement");
        assertThat(byName.get(better).withinCi()).isNull();
        assertThat(byName.get(noise).status()).isEqualTo("unchanged");
        assertThat(Math.abs(byName.get(noise).delta())).isGreaterThan(0.03);
        assertThat(byName.get(noise).withinCi()).isTrue();
        Document doc = Jsoup.parse(cur.resolve(Report.HTML).toFile(), "UTF-8");
        Element row = doc.select("#compare tr.regression").first();
        assertThat(row).isNotNull();
        assertThat(row.text()).contains(worse, "REGRESSION");
        assertThat(doc.select("#compare tr.improvement").first().text()).contains(better, "IMPROVEMENT");
        assertThat(doc.select("#compare tr.unchanged")).hasSize(heads.size() - 2);
        assertThat(cur.resolve(Report.MARKDOWN)).content().contains("1 regressions, 1 improvements");
        // a loose enough tolerance for that prefix turns the regression into "unchanged"
        Compare.Comparison loose = Compare.compare(prev, cur, new Compare.Tolerances(0.02, Map.of("score/", 1.5)));
        assertThat(loose.regressions()).isZero();
    }

    @Test
    void benchSuiteWidensToEveryCardAndTabulatesEveryValidation() throws IOException {
        RunConfig wide = Suite.widen(cfg, TestHome.HOME);
        assertThat(wide.adapters().tasks()).containsExactlyInAnyOrderElementsOf(org.isaerft.adapter.task.TaskCards.builtinNames(TestHome.HOME))
                .contains("dogs", "control", "dogs-poisoned");
        assertThat(wide.adapters().components()).isEqualTo(cfg.adapters().components());
        List<Map<String, Object>> rows = Suite.table(base);
        JsonNode val = Json.MAPPER.readTree(base.resolve("validate/validation.json").toFile());
        assertThat(rows).hasSize(val.path("results").size()).hasSize(3 * 1 * 2);
        Map<String, Object> ll = rows.stream().filter(r -> r.get("method").equals("logit-lens") && r.get("task").equals("dogs"))
                .findFirst().orElseThrow();
        assertThat(ll.get("embedding_score")).isNotNull();
        String md = Suite.markdown(wide, rows);
        // the known-answer column: tiny.yaml's recovery section trains scale on local, as the suite's rows
        JsonNode rec = Json.MAPPER.readTree(base.resolve("recovery/recovery.json").toFile());
        double recall5 = 0;
        for (JsonNode c : rec.path("analysis").path("cells")) {
            if (c.path("kind").asText().equals("steered") && c.path("strength").asDouble() == 4.0) {
                recall5 = c.path("by_activation").path("recall_at_5").path("mean").asDouble();
            }
        }
        assertThat((Double) ll.get("known_answer_recall_at_5")).isEqualTo(recall5);
        assertThat((Double) ll.get("known_answer_chance_at_5")).isEqualTo(5.0 / rec.path("d_alive").path("local").asInt());
        assertThat(md).contains("| known-answer recall@5 |");
        assertThat(md.lines().filter(l -> l.startsWith("| dogs ")).findFirst().orElseThrow()).endsWith("(chance "
                + String.format(java.util.Locale.ROOT, "%.3f", 5.0 / rec.path("d_alive").path("local").asInt()) + ") |");
        Path noRecovery = copyOfBase("suite-no-recovery");
        org.isaerft.run.RunFiles.deleteTree(noRecovery.resolve("recovery"));
        List<Map<String, Object>> without = Suite.table(noRecovery);
        assertThat(without).allMatch(r -> r.get("known_answer_recall_at_5") == null);
        assertThat(Suite.markdown(wide, without).lines().filter(l -> l.startsWith("| dogs ")).findFirst().orElseThrow())
                .endsWith("| not run |");
        assertThat(md.lines().filter(l -> l.startsWith("| dogs ") || l.startsWith("| control ") || l.startsWith("| dogs-poisoned ")))
                .hasSize(6);
        // the poisoned card's rows carry its trigger check, the clean cards' do not
        for (Map<String, Object> r : rows) {
            boolean validated = r.get("random_latent_auroc") != null; // a skipped cell has no statistics
            assertThat(r.get("trigger_latents") != null).as("trigger latents of %s", r.get("task"))
                    .isEqualTo(validated && r.get("task").equals("dogs-poisoned"));
            assertThat(r.get("n_flagged") != null).as("flagged count of %s/%s", r.get("task"), r.get("method")).isEqualTo(validated);
        }
    }

    static Map<String, String> filesAndContents(Path dir) throws IOException {
        Map<String, String> m = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return m;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return m;
    }
}
