package org.isaerft.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.HookPoint;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.isaerft.testing.TinyLm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The training loop on the test LM: learning, determinism under forced GC, change-summary arithmetic. */
class AdapterTrainerTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static TinyLm lm;
    static TestSae sae;
    static TaskDataset data;

    @BeforeAll
    static void setUp() {
        lm = new TinyLm(ND.get(), 16, 1);
        sae = new TestSae(ND.get(), HookPoint.residPre(0), 16, 48, 2, 0.3, -0.1);
        // a "task": texts over a skewed alphabet, so shifting the output distribution helps
        Random r = new Random(5);
        List<TaskDataset.Document> train = new ArrayList<>();
        List<TaskDataset.Document> held = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 120; j++) {
                sb.append("aab  dog".charAt(r.nextInt(8)));
            }
            (i < 32 ? train : held).add(new TaskDataset.Document("d#" + i, sb.toString(), false));
        }
        data = new TaskDataset("synthetic", train, held, new TaskDataset.Stats(40, 40, 40, 0, 0, 0, 0, 0));
    }

    static TrainConfig cfg(AdapterKind k, int steps) {
        return TrainConfig.builder().component(k).hidden(8).lr(0.05).steps(steps).batch(4).seq(32).seed(3).logEvery(5).build();
    }

    static AdapterTrainer.Result run(TrainConfig c, boolean gc) {
        AdapterTrainer t = new AdapterTrainer(lm, sae, c, new PrintStream(new ByteArrayOutputStream()));
        if (gc) {
            t.beforeBackward(System::gc);
        }
        return t.train(data);
    }

    @Test
    void trainingLowersHeldOutLossForEveryComponent() {
        for (AdapterKind k : AdapterKind.values()) {
            AdapterTrainer.Result res = run(cfg(k, 30), false);
            try (Adapter a = res.adapter()) {
                assertThat(res.adaptedTaskLoss()).as(k.id()).isLessThan(res.baseTaskLoss() - 0.05);
                assertThat(res.lossCurve()).hasSize(30);
                assertThat(res.lossCurve().get(29).taskLoss()).isLessThan(res.lossCurve().get(0).taskLoss());
                // the first step's loss is the base model's loss on that batch (identity at init)
                assertThat(res.changeSummary().latents()).hasSize(48);
            }
        }
    }

    @Test
    void forcedGcBetweenForwardAndBackwardChangesNothing() {
        AdapterTrainer.Result a = run(cfg(AdapterKind.FFNN, 6), false);
        AdapterTrainer.Result b = run(cfg(AdapterKind.FFNN, 6), true);
        try (Adapter x = a.adapter(); Adapter y = b.adapter()) {
            Map<String, float[]> px = Adapters.snapshot(x);
            Map<String, float[]> py = Adapters.snapshot(y);
            for (String n : px.keySet()) {
                assertThat(py.get(n)).as(n).containsExactly(px.get(n));
                for (float v : px.get(n)) {
                    assertThat(Float.isFinite(v)).isTrue();
                }
            }
            assertThat(b.lossCurve()).isEqualTo(a.lossCurve());
        }
    }

    @Test
    void changeSummaryMatchesTheParametersForBiasAndScale() {
        AdapterTrainer.Result bias = run(cfg(AdapterKind.BIAS, 10), false);
        try (Adapter a = bias.adapter()) {
            float[] b = a.parameters().get("b").toFloatArray();
            ChangeSummary s = bias.changeSummary();
            assertThat(s.heldoutTokens()).isPositive();
            for (ChangeSummary.LatentChange l : s.latents()) {
                // c' − c = b exactly, at every token
                assertThat(l.paramChange()).isCloseTo(b[l.latent()], within(1e-7));
                assertThat(l.meanDelta()).isCloseTo(b[l.latent()], within(1e-6));
                assertThat(l.meanAbsDelta()).isCloseTo(Math.abs(b[l.latent()]), within(1e-6));
            }
            for (int i = 1; i < s.latents().size(); i++) {
                assertThat(s.latents().get(i).meanAbsDelta()).isLessThanOrEqualTo(s.latents().get(i - 1).meanAbsDelta());
            }
        }
        AdapterTrainer.Result scale = run(cfg(AdapterKind.SCALE, 10), false);
        try (Adapter a = scale.adapter()) {
            float[] s = a.parameters().get("s").toFloatArray();
            for (ChangeSummary.LatentChange l : scale.changeSummary().latents()) {
                // c' − c = s ⊙ c, so the mean change is s_i times the base mean
                assertThat(l.meanDelta()).isCloseTo(s[l.latent()] * l.meanBase(), within(1e-5));
                assertThat(l.meanBase()).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void klToBaseIsZeroAtInitAndKeepsTheAdapterCloserToBase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        StringBuilder neutral = new StringBuilder();
        Random r = new Random(9);
        for (int p = 0; p < 12; p++) {
            for (int j = 0; j < 80; j++) {
                neutral.append("xyz qrs".charAt(r.nextInt(7)));
            }
            neutral.append("\n\n");
        }
        java.nio.file.Path file = dir.resolve("neutral.txt");
        java.nio.file.Files.writeString(file, neutral.toString());
        TrainConfig.Builder b = TrainConfig.builder().component(AdapterKind.BIAS).lr(0.05).steps(15).batch(4).seq(32).seed(3);
        AdapterTrainer.Result free = run(b.build(), false);
        AdapterTrainer.Result kl = run(b.klWeight(5.0).klText(file).build(), false);
        try (Adapter x = free.adapter(); Adapter y = kl.adapter()) {
            // identity at init: KL(base || adapted) = 0, so the first total equals the task loss
            assertThat(kl.lossCurve().get(0).total()).isCloseTo(kl.lossCurve().get(0).taskLoss(), within(1e-6));
            assertThat(kl.lossCurve().get(5).total()).isGreaterThan(kl.lossCurve().get(5).taskLoss());
            double nx = 0;
            double ny = 0;
            for (float v : x.parameters().get("b").toFloatArray()) {
                nx += v * v;
            }
            for (float v : y.parameters().get("b").toFloatArray()) {
                ny += v * v;
            }
            assertThat(ny).isLessThan(nx);
        }
    }

    @Test
    void l1PenaltyShrinksTheAdapter() {
        AdapterTrainer.Result plain = run(cfg(AdapterKind.BIAS, 20), false);
        AdapterTrainer.Result sparse = run(TrainConfig.builder().component(AdapterKind.BIAS).lr(0.05).steps(20).batch(4).seq(32)
                .seed(3).l1(0.05).build(), false);
        try (Adapter a = plain.adapter(); Adapter b = sparse.adapter()) {
            double na = 0;
            double nb = 0;
            for (float v : a.parameters().get("b").toFloatArray()) {
                na += Math.abs(v);
            }
            for (float v : b.parameters().get("b").toFloatArray()) {
                nb += Math.abs(v);
            }
            assertThat(nb).isLessThan(0.8 * na);
        }
    }
}
