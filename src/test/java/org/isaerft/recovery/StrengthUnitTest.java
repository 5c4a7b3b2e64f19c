package org.isaerft.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.TestHome;
import org.isaerft.adapter.TokenWindows;
import org.isaerft.adapter.task.Planted;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.testing.TinyLm;
import org.isaerft.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plant strength in residual units: ρ is the median residual norm at the hook, a residual-unit plant has norm S × ρ whatever
 * the latent's max_act or decoder norm, the default (max-act) plant is bit-for-bit the old one, and cards carry the unit.
 */
class StrengthUnitTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static TinyLm lm;
    static TestSae sae;       // random decoder rows (not unit norm)
    static TestSae ortho;     // unit-norm decoder rows
    static TokenWindows windows;
    static LatentScan scan;
    static LatentScan orthoScan;

    @BeforeAll
    static void setUp() {
        lm = new TinyLm(ND.get(), 16, 1);
        sae = new TestSae(ND.get(), HookPoint.residPre(0), 16, 48, 2, 0.3, -0.1);
        ortho = KnownAnswerTestSupport.orthonormal(ND.get(), 16, 9, 0.5f);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 700; i++) {
            sb.append("the dog sat on a mat. a cat ran. ".charAt(i * 7 % 33));
        }
        windows = TokenWindows.of(List.of(sb.toString()), lm.tokenizer(), 32);
        scan = LatentScan.of(lm, sae, windows, 4);
        orthoScan = LatentScan.of(lm, ortho, windows, 3);
    }

    /** The median L2 norm of the activation at the hook, captured by a plain hook (no SAE) in one forward pass over all windows. */
    static double medianNormByHand() {
        int[] idx = java.util.stream.IntStream.range(0, windows.size()).toArray();
        int[] flat = windows.batch(idx);
        float[][] sink = new float[1][];
        try (NDManager m = ND.get().newSubManager()) {
            NDArray toks = m.create(flat, new Shape(idx.length, windows.seq()));
            Hooks h = Hooks.builder().add(sae.hookPoint(), (x, p) -> {
                sink[0] = x.toFloatArray();
                return x;
            }).build();
            lm.forward(toks, h);
        }
        int d = sink[0].length / flat.length;
        List<Double> norms = new ArrayList<>();
        int bos = lm.tokenizer().bosId().orElse(-1);
        for (int t = 0; t < flat.length; t++) {
            if (flat[t] == bos) {
                continue;
            }
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += sink[0][t * d + j] * (double) sink[0][t * d + j];
            }
            norms.add(Math.sqrt(s));
        }
        norms.sort(null);
        int n = norms.size();
        assertThat((long) n).isEqualTo(scan.tokens());
        return n % 2 == 1 ? norms.get(n / 2) : 0.5 * norms.get(n / 2 - 1) + 0.5 * norms.get(n / 2);
    }

    @Test
    void rhoIsTheMedianResidualNormAtTheHookAndDoesNotDependOnTheSae() {
        double byHand = medianNormByHand();
        assertThat(byHand).isGreaterThan(0);
        assertThat(scan.residualNorm()).isCloseTo(byHand, within(1e-5 * byHand));
        // the raw activation is read before the SAE: a different SAE (and batch size) at the same hook gives the same ρ
        assertThat(orthoScan.residualNorm()).isCloseTo(byHand, within(1e-5 * byHand));
        assertThat(LatentScan.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(LatentScan.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
        assertThat(new LatentScan(5, new double[1], new double[1]).residualNorm()).isNaN();
    }

    /** Two alive latents of {@code s} with clearly different max_act (the most and the least active alive one). */
    static List<Integer> twoDifferentLatents(LatentScan s) {
        int[] alive = s.aliveLatents();
        int hi = alive[0];
        int lo = alive[0];
        for (int i : alive) {
            hi = s.maxAct()[i] > s.maxAct()[hi] ? i : hi;
            lo = s.maxAct()[i] < s.maxAct()[lo] ? i : lo;
        }
        assertThat(s.maxAct()[hi]).isGreaterThan(1.5 * s.maxAct()[lo]);
        return List.of(hi, lo);
    }

    @Test
    void aResidualUnitPlantHasNormSTimesRhoWhateverTheLatentsMaxActAndTheCardSaysSo(@TempDir Path dir) throws Exception {
        double strength = 0.7;
        double rho = scan.residualNorm();
        List<Integer> two = twoDifferentLatents(scan);
        float[][] dirs = Steering.residualDirections(sae, ND.get(), two);
        assertThat(Math.abs(Steering.norm(dirs[0]) - 1)).isGreaterThan(0.01); // the division by ‖r_i‖ matters on this SAE
        assertThat(Math.abs(Steering.norm(dirs[0]) - Steering.norm(dirs[1]))).isGreaterThan(0.01);
        for (int lat : two) {
            PlantOptions o = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(lat)).strength(strength)
                    .strengthUnit(StrengthUnit.RESIDUAL).documents(4).seed(1).out(dir).maxNewTokens(8).batch(2).build();
            Planter.Result r = Planter.plant(lm, sae, o, scan);
            assertThat(r.steered().getFileName().toString()).isEqualTo("planted-" + sae.id() + "-l" + lat + "-s0p7-resid-seed1.yaml");
            TaskCard card = TaskCards.read(r.steered());
            Planted p = card.planted();
            assertThat(Steering.norm(p.steeringVectorArray())).isCloseTo(strength * rho, within(1e-5 * strength * rho));
            assertThat(p.strengthUnit()).isEqualTo("residual");
            assertThat(p.unit()).isEqualTo("residual");
            assertThat(p.residualNorm()).isEqualTo(rho);
            assertThat(p.strength()).isEqualTo(strength);
            assertThat(p.rule()).contains("x += S × ρ / ‖r_i‖ × r_i").contains("norm S × ρ").doesNotContain("max_act");
            // the control card records the unit too, with a zero vector
            Planted c = TaskCards.read(r.control()).planted();
            assertThat(c.unit()).isEqualTo("residual");
            assertThat(Steering.norm(c.steeringVectorArray())).isZero();
            // the card round-trips with the new fields: YAML → record → YAML → record is the identity
            String yaml = Json.YAML.writeValueAsString(card);
            assertThat(yaml).contains("strength_unit: \"residual\"").contains("residual_norm: " + rho);
            assertThat(TaskCards.parse(yaml, "again")).isEqualTo(card);
        }
        // with max-act the same two latents give plants whose norms differ by their max_act ratio (what residual units remove)
        double n0 = scan.maxAct()[two.get(0)] * Steering.norm(dirs[0]);
        double n1 = scan.maxAct()[two.get(1)] * Steering.norm(dirs[1]);
        assertThat(Math.abs(n0 / n1 - 1)).isGreaterThan(0.2);
    }

    @Test
    void theDefaultUnitPlantsExactlyTheOldVectorAndWritesTheOldCard(@TempDir Path dir) throws Exception {
        int lat = twoDifferentLatents(scan).get(0);
        PlantOptions o = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(lat)).strength(5).documents(4)
                .seed(1).out(dir).maxNewTokens(8).batch(2).build();
        assertThat(o.strengthUnit()).isEqualTo(StrengthUnit.MAX_ACT);
        Planter.Result r = Planter.plant(lm, sae, o, scan);
        assertThat(r.steered().getFileName().toString()).isEqualTo("planted-" + sae.id() + "-l" + lat + "-s5-seed1.yaml");
        Planted p = TaskCards.read(r.steered()).planted();
        float[] old = Steering.combine(Steering.residualDirections(sae, ND.get(), List.of(lat)), new double[] {5 * scan.maxAct()[lat]});
        assertThat(p.steeringVectorArray()).isEqualTo(old); // bit for bit
        assertThat(p.strengthUnit()).isNull();
        assertThat(p.residualNorm()).isNull();
        assertThat(p.unit()).isEqualTo("max-act");
        assertThat(p.rule()).isEqualTo("additive: x += S × max_act(i) × r_i at " + sae.hookPoint().name() + ", every position of every "
                + "sampled sequence (prompt and generated tokens), r_i = toRaw(decode(e_i)) − toRaw(decode(0)); no clamping");
        String yaml = Files.readString(r.steered());
        assertThat(yaml).doesNotContain("strength_unit").doesNotContain("residual_norm");
    }

    @Test
    void benchmarkTasksInResidualUnitsHavePlantsOfNormSTimesRhoOnEverySourceSaeAndMaxActTasksAreUnchanged(@TempDir Path dir) {
        Map<String, SparseAutoencoder> saes = new LinkedHashMap<>();
        saes.put("local", ortho);
        saes.put("e2e", sae);
        Map<String, LatentScan> scans = Map.of("local", orthoScan, "e2e", scan);
        Map<String, float[][]> dirs = Map.of("local", Steering.allResidualDirections(ortho, ND.get()), "e2e",
                Steering.allResidualDirections(sae, ND.get()));
        Map<String, String> specs = new LinkedHashMap<>();
        specs.put("local", "toy-orthonormal");
        specs.put("e2e", "toy-random");
        RecoveryOptions.Builder b = RecoveryOptions.builder().quick().modelSpec("tiny").saes(specs).tasks(6).scanCorpus(dir).out(dir);
        RecoveryOptions maxAct = b.build();
        RecoveryOptions resid = b.strengthUnit(StrengthUnit.RESIDUAL).build();
        assertThat(maxAct.strengthUnit()).isEqualTo(StrengthUnit.MAX_ACT);
        List<RecoveryBenchmark.Task> oldTasks = RecoveryBenchmark.drawTasks(maxAct, saes, scans, dirs);
        List<RecoveryBenchmark.Task> newTasks = RecoveryBenchmark.drawTasks(resid, saes, scans, dirs);
        double s = 1.3;
        java.util.Set<Double> maxActs = new java.util.HashSet<>();
        for (int k = 0; k < oldTasks.size(); k++) {
            RecoveryBenchmark.Task t = oldTasks.get(k);
            RecoveryBenchmark.Task u = newTasks.get(k);
            // the draw does not depend on the unit
            assertThat(u.latent()).isEqualTo(t.latent());
            assertThat(u.source()).isEqualTo(t.source());
            // max-act: exactly today's vector, and nothing new recorded
            float[] old = Steering.combine(new float[][] {dirs.get(t.source())[t.latent()]}, new double[] {s * t.maxAct()});
            assertThat(RecoveryBenchmark.plantVector(t, s, dirs)).isEqualTo(old);
            assertThat(t.residualNorm()).isNull();
            assertThat(t.coefficientPerS()).isNull();
            assertThat(Json.MAPPER.valueToTree(t).has("residual_norm")).isFalse();
            // residual: norm S × ρ of the source SAE's scan
            double rho = scans.get(u.source()).residualNorm();
            assertThat(u.residualNorm()).isEqualTo(rho);
            assertThat(Steering.norm(RecoveryBenchmark.plantVector(u, s, dirs))).isCloseTo(s * rho, within(1e-5 * s * rho));
            maxActs.add(u.maxAct());
        }
        assertThat(maxActs.size()).isGreaterThan(3); // plants of latents with different max_act, from both SAEs
        // recovery.json's options carry the unit; options written before units existed read as max-act
        JsonNode n = Json.MAPPER.valueToTree(resid);
        assertThat(n.get("strength_unit").asText()).isEqualTo("residual");
        ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove("strength_unit");
        assertThat(Json.MAPPER.convertValue(n, RecoveryOptions.class).strengthUnit()).isEqualTo(StrengthUnit.MAX_ACT);
        // and tasks read back with their ρ and coefficient
        JsonNode tj = Json.MAPPER.valueToTree(newTasks.get(0));
        assertThat(Json.MAPPER.convertValue(tj, RecoveryBenchmark.Task.class)).isEqualTo(newTasks.get(0));
    }

    @Test
    void anOldRecoveryFileAndOldPlantedCardsStillRead() {
        RecoveryBenchmark.Result r = RecoveryBenchmark.read(TestHome.HOME.resolve("results/recovery/full/recovery.json"), Path.of("x"));
        assertThat(r.options().strengthUnit()).isEqualTo(StrengthUnit.MAX_ACT);
        assertThat(r.tasks()).allSatisfy(t -> {
            assertThat(t.residualNorm()).isNull();
            assertThat(t.perUnitStrength()).isEqualTo(t.maxAct());
        });
        TaskCard old = TaskCards.read(TestHome.HOME.resolve("results/recovery/example-cards/planted-local-l7-s4-seed0.yaml"));
        assertThat(old.planted().strengthUnit()).isNull();
        assertThat(old.planted().residualNorm()).isNull();
        assertThat(old.planted().unit()).isEqualTo("max-act");
    }

    @Test
    void unknownUnitsFailClearly() {
        assertThat(StrengthUnit.parse("residual")).isEqualTo(StrengthUnit.RESIDUAL);
        assertThat(StrengthUnit.parse("MAX_ACT")).isEqualTo(StrengthUnit.MAX_ACT);
        assertThat(StrengthUnit.parse(null)).isEqualTo(StrengthUnit.MAX_ACT);
        assertThatThrownBy(() -> StrengthUnit.parse("norm")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[max-act, residual]").hasMessageContaining("'norm'");
        assertThatThrownBy(() -> TaskCards.parse("""
                schema_version: 1
                name: x
                description: x
                data:
                  sources: [{file: x.txt}]
                planted:
                  kind: control
                  hook: blocks.0.hook_resid_pre
                  latents: [{latent: 1, max_act: 1.0, freq: 0.5, residual_direction: [1.0]}]
                  strength: 1
                  steering_vector: [0.0]
                  max_new_tokens: 4
                  seeds: [1]
                  strength_unit: norm
                """, "bad")).hasMessageContaining("planted.strength_unit").hasMessageContaining("'norm'");
        // residual units without ρ cannot plant
        LatentScan noRho = new LatentScan(scan.tokens(), scan.maxAct(), scan.freq());
        PlantOptions o = PlantOptions.builder().latents(List.of(twoDifferentLatents(scan).get(0))).strengthUnit(StrengthUnit.RESIDUAL)
                .documents(2).out(Path.of("unused")).build();
        assertThatThrownBy(() -> Planter.plant(lm, sae, o, noRho)).hasMessageContaining("median residual norm");
    }
}
