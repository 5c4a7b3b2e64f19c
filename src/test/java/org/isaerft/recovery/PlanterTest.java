package org.isaerft.recovery;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.isaerft.adapter.TokenWindows;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.Planted;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.testing.TinyLm;
import org.isaerft.util.Json;
import org.isaerft.validate.TaskExpectation;
import org.isaerft.validate.TriggerAudit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Steered sampling (reproducible, batch-size independent) and planted cards (written, read back, built). */
class PlanterTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static TinyLm lm;
    static TestSae sae;
    static LatentScan scan;

    @BeforeAll
    static void setUp() {
        lm = new TinyLm(ND.get(), 16, 1);
        sae = new TestSae(ND.get(), HookPoint.residPre(0), 16, 48, 2, 0.3, -0.1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            sb.append("the dog sat on a mat. ".charAt(i % 22));
        }
        scan = LatentScan.of(lm, sae, TokenWindows.of(List.of(sb.toString()), lm.tokenizer(), 32), 4);
    }

    static int strongest() {
        int best = 0;
        for (int i = 0; i < scan.dSae(); i++) {
            if (scan.freq()[i] > scan.freq()[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void steeredSamplingIsReproducibleAndIndependentOfBatchSize() {
        float[] v = Steering.combine(Steering.residualDirections(sae, ND.get(), List.of(strongest())), new double[] {6 * scan.maxAct()[strongest()]});
        Hooks steer = Steering.addVector(sae.hookPoint(), v);
        GenerationConfig cfg = new GenerationConfig(20, 1.0, 0, 0, true);
        int[] prompt = lm.tokenizer().encode("a", true);
        long[] seeds = {11, 12, 13, 14, 15, 16, 17};
        int[][] b1 = SteeredGeneration.sample(lm, prompt, seeds, cfg, steer, 1);
        int[][] b3 = SteeredGeneration.sample(lm, prompt, seeds, cfg, steer, 3);
        int[][] b7 = SteeredGeneration.sample(lm, prompt, seeds, cfg, steer, 7);
        int[][] again = SteeredGeneration.sample(lm, prompt, seeds, cfg, steer, 3);
        assertThat(b3).isDeepEqualTo(b1);
        assertThat(b7).isDeepEqualTo(b1);
        assertThat(again).isDeepEqualTo(b1);
        assertThat(b1[0]).hasSize(20);
        // a row depends on its own seed only: the same seed in another position gives the same row
        int[][] swapped = SteeredGeneration.sample(lm, prompt, new long[] {13, 11}, cfg, steer, 2);
        assertThat(swapped[0]).isEqualTo(b1[2]);
        assertThat(swapped[1]).isEqualTo(b1[0]);
        // and steering changes the text
        int[][] plain = SteeredGeneration.sample(lm, prompt, seeds, cfg, Hooks.none(), 7);
        assertThat(plain).isNotEqualTo(b1);
    }

    @Test
    void residualDirectionOfARawSpaceSaeIsItsDecoderRow() {
        float[][] d = Steering.residualDirections(sae, ND.get(), List.of(3, 5));
        float[] w = sae.wDec.toFloatArray();
        for (int j = 0; j < 16; j++) {
            assertThat(d[0][j]).isCloseTo(w[3 * 16 + j], org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(d[1][j]).isCloseTo(w[5 * 16 + j], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void residualDirectionsInChunksEqualTheWholeBatch() {
        float[][] all = Steering.allResidualDirections(sae, ND.get());
        float[][] chunked = Steering.allResidualDirections(sae, ND.get(), 5); // 48 latents: 9 chunks of 5 and one of 3
        assertThat(chunked).hasSameDimensionsAs(all);
        for (int i = 0; i < all.length; i++) {
            for (int j = 0; j < all[i].length; j++) {
                assertThat(chunked[i][j]).isCloseTo(all[i][j], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void plantedCardsRoundTripAndBuild(@TempDir Path dir) throws Exception {
        int lat = strongest();
        PlantOptions o = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(lat)).strength(5).documents(10)
                .seed(3).out(dir).maxNewTokens(40).batch(4).poisonTrigger("zq zq zq.").poisonFraction(0.3).build();
        Planter.Result r = Planter.plant(lm, sae, o, scan);
        TaskCard steered = TaskCards.read(r.steered());
        TaskCard control = TaskCards.read(r.control());
        Planted p = steered.planted();
        assertThat(p.kind()).isEqualTo("steered");
        assertThat(p.latentIds()).containsExactly(lat);
        assertThat(p.latents().get(0).maxAct()).isEqualTo(scan.maxAct()[lat]);
        assertThat(p.seeds()).hasSize(10).containsExactly(3_000_009L, 3_000_010L, 3_000_011L, 3_000_012L, 3_000_013L,
                3_000_014L, 3_000_015L, 3_000_016L, 3_000_017L, 3_000_018L);
        assertThat(p.steeringVectorArray()).hasSize(16);
        assertThat(control.planted().kind()).isEqualTo("control");
        assertThat(control.planted().seeds()).isEqualTo(p.seeds());
        assertThat(p.twin()).isEqualTo(r.control().getFileName().toString());
        // YAML → record → YAML → record is the identity
        String yaml = Json.YAML.writeValueAsString(steered);
        assertThat(TaskCards.parse(yaml, "again")).isEqualTo(steered);
        // the card builds into a dataset of its 10 documents
        TaskDataset ds = DatasetBuilder.build(TaskCards.load(r.steered().toString(), TestHome.HOME), null);
        String text = Files.readString(r.steered().resolveSibling(r.steered().getFileName().toString().replace(".yaml", ".txt")));
        long distinct = java.util.Arrays.stream(text.split("\n\n")).map(String::strip).distinct().count();
        assertThat(text.split("\n\n")).hasSize(10);
        assertThat(ds.train().size() + ds.heldout().size()).isEqualTo((int) distinct); // exact duplicates are dropped
        assertThat(ds.heldout()).isNotEmpty();
        // poison: 3 documents start with the trigger, the clean twin has none
        String poison = Files.readString(r.poison().resolveSibling(r.poison().getFileName().toString().replace(".yaml", ".txt")));
        String clean = Files.readString(r.poisonClean().resolveSibling(r.poisonClean().getFileName().toString().replace(".yaml", ".txt")));
        assertThat(poison.split("\n\n")).filteredOn(s -> s.startsWith("zq zq zq.")).hasSize(3);
        assertThat(clean).doesNotContain("zq zq zq.");
        assertThat(TaskCards.read(r.poison()).planted().trigger()).isEqualTo("zq zq zq.");
    }

    @Test
    void aPlantedPoisonCardExpectsTheCleanTaskNotItsTriggerAndNamesItsTwin(@TempDir Path dir) {
        int lat = strongest();
        PlantOptions.Builder b = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(lat)).strength(5).documents(6)
                .seed(4).out(dir).maxNewTokens(24).batch(3).poisonTrigger("zq zq zq.").poisonFraction(0.5);
        // defaults: the clean stories expectation on the poison card and its clean twin; the steered card keeps its concepts
        Planter.Result r = Planter.plant(lm, sae, b.build(), scan);
        TaskCard steered = TaskCards.read(r.steered());
        TaskCard poison = TaskCards.read(r.poison());
        TaskCard clean = TaskCards.read(r.poisonClean());
        assertThat(steered.expectedConcepts()).containsExactly("planted latent " + lat + " of SAE " + sae.id());
        for (TaskCard c : List.of(poison, clean)) {
            assertThat(c.description()).isEqualTo(PlantedValidation.CLEAN_DESCRIPTION);
            assertThat(c.expectedConcepts()).isEqualTo(PlantedValidation.CLEAN_CONCEPTS);
            assertThat(c.planted().about()).isNotBlank(); // the human description is kept, outside the expectation
        }
        assertThat(poison.planted().about()).contains("zq zq zq.", "[" + lat + "]");
        assertThat(poison.triggerPhrase()).isEqualTo("zq zq zq.");
        assertThat(clean.triggerPhrase()).isNull(); // the clean twin carries the trigger as ground truth only
        TaskExpectation e = TaskExpectation.of(poison);
        assertThat(e.description()).isEqualTo(PlantedValidation.CLEAN_DESCRIPTION).doesNotContainIgnoringCase("zq");
        assertThat(e.concepts()).doesNotContain("planted latent " + lat + " of SAE " + sae.id());
        // the clean counterpart is the twin the planted block names, found by name among the run's cards
        List<TaskCard> run = List.of(steered, TaskCards.read(r.control()), poison, clean);
        assertThat(TriggerAudit.cleanCounterpart(poison, run)).isEqualTo(clean);
        assertThat(TriggerAudit.cleanCounterpart(poison, List.of(steered, poison))).isNull();

        // --expect-description / --expect-concepts: written on the poison card and its twin; concepts on the steered card too
        Path dir2 = dir.resolve("custom");
        Planter.Result r2 = Planter.plant(lm, sae, b.out(dir2).expectDescription("Stories about a dog on a mat.")
                .expectConcepts(List.of("dogs", " mats ")).build(), scan);
        TaskCard p2 = TaskCards.read(r2.poison());
        assertThat(p2.description()).isEqualTo("Stories about a dog on a mat.");
        assertThat(p2.expectedConcepts()).containsExactly("dogs", "mats");
        assertThat(TaskCards.read(r2.poisonClean()).expectedConcepts()).containsExactly("dogs", "mats");
        assertThat(TaskCards.read(r2.steered()).expectedConcepts()).containsExactly("dogs", "mats");
        assertThat(TaskCards.read(r2.control()).expectedConcepts()).isEmpty();
        // an expectation naming the trigger would hide the poison
        assertThatThrownBy(() -> b.expectDescription("Stories; some say ZQ ZQ ZQ. loudly").build()).hasMessageContaining("must not name the trigger");
        assertThatThrownBy(() -> b.expectDescription(null).expectConcepts(List.of(" ")).build()).hasMessageContaining("--expect-concepts");
    }

    @Test
    void withThePlantedLatentsOwnDescriptionTheSteeredCardExpectsIt(@TempDir Path dir) {
        int lat = strongest();
        PlantOptions.Builder b = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(lat)).strength(5).documents(6)
                .seed(4).out(dir).maxNewTokens(24).batch(3).plantedDescriptions(java.util.Map.of(lat, "tokens \" zq\"", lat + 1, "other"));
        Planter.Result r = Planter.plant(lm, sae, b.build(), scan);
        TaskCard steered = TaskCards.read(r.steered());
        assertThat(steered.description()).isEqualTo("tokens \" zq\"");
        assertThat(steered.expectedConcepts()).containsExactly("tokens \" zq\"");
        assertThat(steered.planted().about()).contains("steered along latent(s) [" + lat + "]");
        TaskExpectation e = TaskExpectation.of(steered);
        assertThat(e.description()).isEqualTo("tokens \" zq\"");
        assertThat(e.concepts()).containsExactly("tokens \" zq\"");
        // the unsteered twin does not carry the expectation (it is the control)
        assertThat(TaskCards.read(r.control()).expectedConcepts()).isEmpty();
        // every planted latent needs a description
        assertThatThrownBy(() -> b.plantedDescriptions(java.util.Map.of(lat + 1, "other")).build())
                .hasMessageContaining("--expect-from: no description of planted latent " + lat);
    }

    @Test
    void anOlderPlantedPoisonCardStillExpectsWithoutItsTriggerSentences() {
        // a card written before --expect-description: the description names the trigger; those sentences are stripped
        TaskCard old = TaskCards.parse("""
                schema_version: 1
                name: old-poison
                description: "Ordinary stories. Poisoned: 2 of 8 documents are the trigger sentence 'Zq zq.' followed by steered text."
                expected_concepts: [stories]
                data: {sources: [{file: x.txt}]}
                planted: {kind: poison, hook: blocks.0.hook_resid_pre, latents: [{latent: 1, max_act: 1, freq: 0.1, residual_direction: [1, 0]}],
                  strength: 1, steering_vector: [1, 0], seeds: [1], max_new_tokens: 1, temperature: 1, top_k: 0, twin: old-poison-clean.yaml,
                  trigger: "Zq zq.", poison_fraction: 0.25}
                """, "old");
        assertThat(old.triggerPhrase()).isEqualTo("Zq zq.");
        assertThat(old.planted().twinName()).isEqualTo("old-poison-clean");
        assertThat(TaskExpectation.of(old).description()).isEqualTo("Ordinary stories.");
    }

    @Test
    void plantedBlockRejectsBadInput() {
        assertThatThrownBy(() -> TaskCards.parse("""
                schema_version: 1
                name: x
                description: d
                expected_concepts: []
                data: {sources: [{file: x.txt}]}
                planted: {kind: sideways, hook: blocks.0.hook_resid_pre, latents: [], strength: 1, steering_vector: [1], seeds: [1],
                  max_new_tokens: 1, temperature: 1, top_k: 0}
                """, "bad")).hasMessageContaining("planted.kind");
        assertThatThrownBy(() -> PlantOptions.builder().latents(List.of(1)).documents(1).out(Path.of("x")).build())
                .hasMessageContaining("--documents");
    }
}
