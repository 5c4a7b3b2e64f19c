package org.isaerft.recovery;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.isaerft.adapter.Adapter;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.FfnnAdapter;
import org.isaerft.adapter.TokenWindows;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.HookPoint;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.validate.Recovery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The positive control on a toy: plant a latent by strong steering of a tiny LM, train adapters on
 * the steered text with the LM and SAE frozen, and find the planted latent at rank 1 — and not on the
 * unsteered twin. The SAE is an orthonormal basis (one right answer); the prompt is BOS only, so the
 * control text is the model's own distribution (a fixed prompt the model does not predict would itself
 * be a consistent training signal — found the hard way).
 */
class KnownAnswerTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    @TempDir
    static Path dir;
    static LetterLm lm;
    static TestSae sae;
    static LatentScan scan;
    static int planted;
    static TaskDataset steered;
    static TaskDataset control;

    @BeforeAll
    static void plant() {
        lm = new LetterLm(ND.get(), 16, 1, 0.5);
        sae = orthonormalSae(16, 9, 3f);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append((char) ('a' + (i * 7919 % 16)));
        }
        scan = LatentScan.of(lm, sae, TokenWindows.of(List.of(sb.toString()), lm.tokenizer(), 32), 8);
        planted = 0;
        for (int i = 0; i < scan.dSae(); i++) {
            if (scan.freq()[i] > scan.freq()[planted]) {
                planted = i;
            }
        }
        PlantOptions o = PlantOptions.builder().modelSpec("tiny").saeSpec("test").latents(List.of(planted)).strength(1).documents(60)
                .seed(1).out(dir).prompt("").maxNewTokens(60).temperature(1).batch(30).build();
        Planter.Result r = Planter.plant(lm, sae, o, scan);
        steered = DatasetBuilder.build(TaskCards.load(r.steered().toString(), TestHome.HOME), null);
        control = DatasetBuilder.build(TaskCards.load(r.control().toString(), TestHome.HOME), null);
    }

    static TestSae orthonormalSae(int d, long seed, float shift) {
        return KnownAnswerTestSupport.orthonormal(ND.get(), d, seed, shift);
    }

    static AdapterTrainer.Result train(AdapterKind k, TaskDataset d, double lr, double l1) {
        TrainConfig c = TrainConfig.builder().component(k).hidden(8).lr(lr).l1(l1).steps(150).batch(8).seq(32).seed(3).logEvery(1000)
                .build();
        return new AdapterTrainer(lm, sae, c, new PrintStream(new ByteArrayOutputStream())).train(d);
    }

    @Test
    void scaleRecoversThePlantedLatentAtRankOne() {
        AdapterTrainer.Result res = train(AdapterKind.SCALE, steered, 0.05, 0);
        try (Adapter a = res.adapter()) {
            List<Recovery.Ranking> r = Recovery.of(res.changeSummary(), scan.aliveMask(), new int[] {planted});
                        assertThat(r.get(1).ranks().get(0)).as("rank by activation change").isEqualTo(1.0);
            assertThat(r.get(0).ranks().get(0)).as("rank by parameter change").isLessThanOrEqualTo(5.0);
        }
    }

    @Test
    void ffnnRecoversThePlantedLatentAtRankOneAndAHiddenUnitPointsAlongIt() {
        AdapterTrainer.Result res = train(AdapterKind.FFNN, steered, 0.01, 0);
        try (Adapter a = res.adapter()) {
            List<Recovery.Ranking> r = Recovery.of(res.changeSummary(), scan.aliveMask(), new int[] {planted});
            float[] dir = Steering.residualDirections(sae, ND.get(), List.of(planted))[0];
            Recovery.HiddenMatch h = Recovery.bestHidden(dir, RecoveryBenchmark.hiddenEditDirections(sae, lm, (FfnnAdapter) a));
                        assertThat(r.get(1).ranks().get(0)).as("rank by activation change").isEqualTo(1.0);
            assertThat(r.get(0).ranks().get(0)).as("rank by parameter change").isLessThanOrEqualTo(5.0);
            assertThat(h.cosine()).isGreaterThan(0.5);
        }
    }

    @Test
    void theUnsteeredTwinDoesNotPutThePlantedLatentFirst() {
        AdapterTrainer.Result res = train(AdapterKind.SCALE, control, 0.05, 0);
        try (Adapter a = res.adapter()) {
            List<Recovery.Ranking> r = Recovery.of(res.changeSummary(), scan.aliveMask(), new int[] {planted});
                        assertThat(r.get(1).ranks().get(0)).isGreaterThan(5.0);
            assertThat(r.get(0).ranks().get(0)).isGreaterThan(5.0);
        }
    }
}
