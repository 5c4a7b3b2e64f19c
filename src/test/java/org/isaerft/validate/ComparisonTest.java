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
                .contains("Excluded from the paired test (no expected concepts): control");
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
                    Map.of("sentence", u < 5 ? "when dog " + u + ", it raises puppy" : "when comma, it lowers full stop")));
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
        assertThat(DirectionValidation.signFlipP(new double[] {1, -1, 1, -1}, 2000, 3)).isGreaterThan(0.4);
    }
}
