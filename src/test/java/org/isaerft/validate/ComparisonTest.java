package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.cli.Main;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTest {
    @TempDir
    Path tmp;

    @Test
    void exactSignFlipByHand() {
        // x = 1,2,3: of the 8 sign patterns only +++ and −−− reach |mean| ≥ 2
        assertThat(Comparison.exactSignFlip(new double[] {1, 2, 3})).isEqualTo(0.25);
        // x = 1,−1: every pattern has |mean| ≥ 0
        assertThat(Comparison.exactSignFlip(new double[] {1, -1})).isEqualTo(1.0);
    }

    @Test
    void saeTypeFromId() {
        assertThat(Comparison.saeType("stories260K-local-L2")).isEqualTo("local");
        assertThat(Comparison.saeType("stories260K-e2e-L2")).isEqualTo("e2e");
        assertThat(Comparison.saeType("stories260K-e2e-downstream-L2")).isEqualTo("e2e+downstream");
    }

    /** A validation of a constructed adapter whose top-k are on-task latents with probability {@code onTaskTop}. */
    Path validation(String task, String sae, int onTaskTop, long seed) {
        int n = 120;
        List<ChangeSummary.LatentChange> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(new ChangeSummary.LatentChange(i, 1, null, null, null, null, n - i, n - i, 0, 0));
        }
        ChangeSummary cs = new ChangeSummary(1, task, "scale", sae, ValidatorTest.HOOK, ChangeSummary.RANK_BY, 10, l);
        List<String> d = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            d.add(i < onTaskTop || (i >= 20 && i % 10 == 0) ? "dog " + i + " " + seed : "other " + i + " " + seed);
        }
        Validation v = new Validator(new ValidatorTest.KeywordJudge(), Validator.Options.builder().permutations(200).bootstrap(100)
                .randomDraws(100).seed(seed).build()).validate(sae + "-" + task, cs, ValidatorTest.describe(d), "token-stats",
                        new TaskExpectation(task, "Stories about dogs.", List.of("dog")), id -> List.of(), null);
        Path f = tmp.resolve(sae).resolve(task).resolve("validation.json");
        try {
            Files.createDirectories(f.getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Json.writeFile(f, v);
        return f;
    }

    @Test
    void pairedDifferenceAcrossCardsAndMarkdown() {
        for (String task : List.of("a", "b", "c", "d")) {
            validation(task, "local-sae", 5, task.hashCode());
            validation(task, "e2e-sae", 15, task.hashCode() + 1);
        }
        validation("control", "local-sae", 0, 9);
        validation("control", "e2e-sae", 0, 10);
        Comparison c = Comparison.build(Comparison.find(List.of(tmp)), List.of("control"), 500, 0);
        assertThat(c.rows()).hasSize(10 * 3); // each validation + shuffled + random-latents
        assertThat(c.paired()).hasSize(2);
        Comparison.Paired auc = c.paired().stream().filter(p -> p.metric().equals("auroc")).findFirst().orElseThrow();
        assertThat(auc.saeA()).isEqualTo("local");
        assertThat(auc.saeB()).isEqualTo("e2e");
        assertThat(auc.tasks()).containsExactly("a", "b", "c", "d");
        assertThat(auc.meanDifference()).isGreaterThan(0.1);
        assertThat(auc.differences()).allMatch(x -> x > 0);
        assertThat(auc.pTwoSided()).isCloseTo(2.0 / 16, within(1e-12)); // all four positive: 2 of 16 sign patterns
        assertThat(auc.ci().low()).isGreaterThan(0);
        String md = c.markdown();
        assertThat(md).contains("| a | scale | token-stats | — | local |").contains("random-latents").contains("e2e − local")
                .contains("excluded from the paired test, no expected concepts): control");
    }

    @Test
    void typesFromTheCallerReplaceTypesReadFromTheSaeId() {
        // SAE ids that name no type (as a run's SAEs may): the caller (the pipeline) supplies the types from its config
        List<Validation> vs = new ArrayList<>();
        java.util.Map<Validation, String> types = new java.util.IdentityHashMap<>();
        for (String task : List.of("a", "b", "c")) {
            for (String sae : List.of("saeX", "saeY")) {
                Validation v = Comparison.read(validation(task, sae, sae.equals("saeX") ? 5 : 15, task.hashCode() + sae.length()));
                vs.add(v);
                types.put(v, sae.equals("saeX") ? "local" : "e2e");
            }
        }
        Comparison byId = Comparison.of(vs, v -> Comparison.saeType(v.sae()), List.of("mem"), List.of(), 200, 0);
        assertThat(byId.rows()).extracting(Comparison.Row::saeType).containsOnly("saeX", "saeY");
        Comparison c = Comparison.of(vs, types::get, List.of("mem"), List.of(), 200, 0);
        assertThat(c.rows()).hasSize(6 * 3).extracting(Comparison.Row::saeType).containsOnly("local", "e2e");
        assertThat(c.inputs()).containsExactly("mem");
        Comparison.Paired auc = c.paired().stream().filter(p -> p.metric().equals("auroc")).findFirst().orElseThrow();
        assertThat(auc.saeA()).isEqualTo("local"); // local is listed first, so the difference is e2e − local
        assertThat(auc.saeB()).isEqualTo("e2e");
        assertThat(auc.tasks()).containsExactly("a", "b", "c");
        assertThat(auc.differences()).allMatch(x -> x > 0);
        assertThat(auc.pTwoSided()).isCloseTo(2.0 / 8, within(1e-12)); // all three positive: 2 of 8 sign patterns
    }

    @Test
    void duplicateRunsAreRefused() throws Exception {
        Path f = validation("a", "local-sae", 5, 1);
        Path copy = tmp.resolve("again/validation.json");
        Files.createDirectories(copy.getParent());
        Files.copy(f, copy);
        assertThatThrownBy(() -> Comparison.build(List.of(f, copy), List.of(), 100, 0)).hasMessageContaining("two validations");
    }

    @Test
    void compareCommandWritesJsonAndMarkdown() throws Exception {
        validation("a", "local-sae", 5, 1);
        validation("a", "e2e-sae", 15, 2);
        Path out = tmp.resolve("cmp");
        StringWriter sw = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(sw));
        int rc = cl.execute("validate", "compare", "--runs", tmp.resolve("local-sae").toString(), tmp.resolve("e2e-sae").toString(),
                "--out", out.toString());
        assertThat(rc).isZero();
        Map<?, ?> json = Json.MAPPER.readValue(out.resolve("comparison.json").toFile(), Map.class);
        assertThat(json.get("schema_version")).isEqualTo(1);
        assertThat(Files.readString(out.resolve("comparison.md"))).contains("# Validation of interpretation methods");
        assertThat(sw.toString()).contains("e2e − local");
    }

    @Test
    void directionsOwnTaskVersusOthers() {
        List<DirectionValidation.Direction> dirs = new ArrayList<>();
        for (int u = 0; u < 6; u++) {
            dirs.add(new DirectionValidation.Direction("ad/ffnn/" + u, 1 + u,
                    Map.of("sentence", u < 5 ? "when dog " + u + ", it raises puppy" : "when comma, it lowers full stop",
                        "question", u % 2 == 0 ? "dog puppy" : "comma full stop")));
        }
        Validator v = new Validator(new ValidatorTest.KeywordJudge(), Validator.Options.builder().build());
        DirectionValidation dv = DirectionValidation.validate("ad", "ffnn", "adapter-offline", dirs, ValidatorTest.DOGS,
                List.of(new TaskExpectation("beach", "Stories at the beach.", List.of("sea", "sand"))), v, "keyword", 1000, 500, 0);
        DirectionValidation.FieldStats s = dv.fields().get("sentence");
        assertThat(s.ownRank()).isEqualTo(1);
        assertThat(s.meanOwn()).isGreaterThan(0.6);
        assertThat(s.meanDiff()).isGreaterThan(0.5);
        // 5 of 6 diffs strongly positive, one ≈ 0: only the all-positive-ish patterns reach the mean; exact ≈ 2/64
        assertThat(s.pSignFlip()).isLessThan(0.1);
        // two fields (sentence, question): BH by hand, m = 2: q_min = min(p_min·2, p_max), q_max = p_max
        DirectionValidation.FieldStats qf = dv.fields().get("question");
        double lo = Math.min(s.pSignFlip(), qf.pSignFlip());
        double hi = Math.max(s.pSignFlip(), qf.pSignFlip());
        assertThat(s.pSignFlip() <= qf.pSignFlip() ? s.qSignFlip() : qf.qSignFlip()).isCloseTo(Math.min(lo * 2, hi), within(1e-12));
        assertThat(s.pSignFlip() <= qf.pSignFlip() ? qf.qSignFlip() : s.qSignFlip()).isCloseTo(hi, within(1e-12));
        assertThat(DirectionValidation.signFlipP(new double[] {1, -1, 1, -1}, 2000, 3)).isGreaterThan(0.4);
    }

    private static Comparison.Row row(String task, String control, Double p, boolean isControl) {
        return new Comparison.Row(task, "local", "local", "scale", "token-stats", control, 0.6, null, p, 0.1, null, null, 0.0, 0.0,
                null, null, null, 50, false, null, null, isControl);
    }

    @Test
    void benjaminiHochbergPerFamilyAndSignificantControlsAreWarnings() {
        // method family: p = 0.01, 0.04, 0.03 (m = 3). By hand: sorted 0.01, 0.03, 0.04 → p·m/i = 0.03, 0.045, 0.04;
        // running minimum from the top: q(0.04) = 0.04, q(0.03) = min(0.04, 0.045) = 0.04, q(0.01) = 0.03.
        // control family: shuffled p = 0.002, control-card p = 0.5, random-latents p = null (not counted: m = 2):
        // q(0.5) = 0.5, q(0.002) = min(0.5, 0.002·2/1) = 0.004 → a warning.
        List<Comparison.Row> rows = List.of(row("dogs", null, 0.01, false), row("sad", null, 0.04, false), row("beach", null, 0.03, false),
                row("dogs", "shuffled", 0.002, true), row("control", "control-card", 0.5, true), row("dogs", "random-latents", null, true));
        Comparison c = Comparison.corrected(rows, List.of(), List.of(), List.of("mem"), List.of("control"));

        assertThat(c.rows()).extracting(Comparison.Row::qAuroc).containsExactly(0.03, 0.04, 0.04, 0.004, 0.5, null);
        assertThat(c.rows().get(0).qSpearman()).isNull(); // no Spearman p in these rows
        assertThat(c.significantMethodRows()).isEqualTo(3);
        assertThat(c.warnings()).hasSize(1);
        assertThat(c.warnings().get(0)).contains("dogs / scale / token-stats / shuffled").contains("q = 0.004");
        assertThat(c.correction()).contains("Benjamini-Hochberg");
        String md = c.markdown();
        assertThat(md).contains("WARNING: control row dogs / scale / token-stats / shuffled")
                .contains("| control | scale | token-stats | control: control-card | local |")
                .contains("with q < 0.05: 3 of 3");
    }

    @Test
    void pairedAndDirectionRowsGetQValues() {
        List<Comparison.Paired> paired = List.of(
                new Comparison.Paired("auroc", "m", "scale", "local", "e2e", List.of("a", "b"), List.of(0.1, 0.2), 0.15, null, 0.5, "x", null),
                new Comparison.Paired("spearman", "m", "scale", "local", "e2e", List.of("a", "b"), List.of(0.1, 0.2), 0.15, null, 0.25, "x", null));
        List<Comparison.DirectionRow> dirs = List.of(
                new Comparison.DirectionRow("dogs", "local", "local", "ffnn", "m", "edit", 1, 3, 0.3, 0.02, null, 0.001, null, false, null, 64),
                new Comparison.DirectionRow("dogs", "local", "local", "ffnn", "m", "question", 2, 3, 0.3, 0.0, null, 0.4, null, false, null, 64),
                new Comparison.DirectionRow("control", "local", "local", "ffnn", "m", "edit", 1, 3, 0.3, 0.02, null, 0.01, null, true,
                        "control-card", 64));
        Comparison c = Comparison.corrected(List.of(), paired, dirs, List.of(), List.of("control"));
        // paired: sorted 0.25, 0.5 → 0.5, 0.5
        assertThat(c.paired()).extracting(Comparison.Paired::qTwoSided).containsExactly(0.5, 0.5);
        // findings: 0.001, 0.4 → q = 0.002, 0.4; control family alone: q = p = 0.01 → warning
        assertThat(c.directions()).extracting(Comparison.DirectionRow::q).containsExactly(0.002, 0.4, 0.01);
        assertThat(c.warnings()).singleElement().asString().startsWith("control direction row control / ffnn / m / edit / local");
        assertThat(c.markdown()).contains("| dogs | ffnn | m | edit | — | local | 64 | 1 of 3 | 0.020 | 0.001 | 0.002 |");
    }
}
