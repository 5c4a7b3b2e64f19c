package org.isaerft.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.AdapterSplice;
import org.isaerft.adapter.BiasAdapter;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.testing.TestManager;
import org.isaerft.testing.TestSae;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The residual steering-vector baseline (bias on the identity SAE) and the lr sweep's bookkeeping. */
class SteeringVectorBaselineTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    @Test
    void biasOnTheIdentitySaeAddsExactlyTheVector() {
        LetterLm lm = new LetterLm(ND.get(), 4, 1, 0.5);
        try (IdentitySae id = new IdentitySae(ND.get(), HookPoint.residPre(0), 4);
                BiasAdapter b = new BiasAdapter(ND.get(), 4, new float[] {1, -2, 0.5f, 0});
                NDScope scope = new NDScope()) {
            Hooks steered = AdapterSplice.hooks(id, b);
            Hooks plain = Steering.addVector(HookPoint.residPre(0), new float[] {1, -2, 0.5f, 0});
            NDArray toks = ND.get().create(new int[] {16, 0, 3, 5}, new Shape(1, 4));
            float[] a = lm.forward(toks, steered).toFloatArray();
            float[] e = lm.forward(toks, plain).toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).isCloseTo(e[i], within(1e-5f));
            }
        }
    }

    @Test
    void sweepRunsEveryComponentAndTheBaselineAndPicksTheBestHeldOutLr() {
        LetterLm lm = new LetterLm(ND.get(), 8, 1, 0.5);
        TestSae sae = new TestSae(ND.get(), HookPoint.residPre(0), 8, 16, 2, 0.3, 0.1);
        java.util.Random r = new java.util.Random(5);
        List<TaskDataset.Document> train = new ArrayList<>();
        List<TaskDataset.Document> held = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 80; j++) {
                sb.append("aabcd".charAt(r.nextInt(5)));
            }
            (i < 24 ? train : held).add(new TaskDataset.Document("d#" + i, sb.toString(), false));
        }
        TaskDataset data = new TaskDataset("skewed", train, held, new TaskDataset.Stats(30, 30, 30, 0, 0, 0, 0, 0));
        TrainConfig base = TrainConfig.builder().steps(15).batch(4).seq(16).hidden(4).evalWindows(64).build();
        Map<String, List<Double>> grid = new java.util.LinkedHashMap<>();
        grid.put("bias", List.of(0.001, 0.05));
        grid.put("steering_vector", List.of(0.05));
        List<LrSweep.Point> pts = LrSweep.run(lm, sae, data, grid, List.of(0.01), 0.05, base, new PrintStream(new ByteArrayOutputStream()));
        assertThat(pts).extracting(LrSweep.Point::component).containsExactly("bias", "bias", "steering_vector", "bias");
        assertThat(pts.get(2).params()).isEqualTo(8);  // d_model
        assertThat(pts.get(0).params()).isEqualTo(16); // d_sae
        assertThat(pts.get(3).l1()).isEqualTo(0.01);
        // 6 held-out documents of 81 tokens (BOS + 80) → 30 windows of 16, all evaluated (cap 64), the same for every point
        assertThat(pts).extracting(LrSweep.Point::heldoutWindows).containsOnly(30);
        // a skewed alphabet is easy to learn: the larger lr wins, and it is what best() reports
        assertThat(pts.get(1).adaptedHeldout()).isLessThan(pts.get(0).adaptedHeldout());
        assertThat(LrSweep.best(pts)).containsEntry("bias", 0.05).containsEntry("steering_vector", 0.05);
    }
}
