package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.SplittableRandom;
import org.isaerft.recovery.RecoveryAnalysis;
import org.junit.jupiter.api.Test;

/** Ranks, recall@k, AUROC, the random-plant chance level, cross-SAE matching and the paired test, by hand. */
class RecoveryTest {
    @Test
    void ranksCountOnlyAliveLatentsAndTiesCountHalf() {
        double[] score = {5, 9, 1, 9, 3, 100};
        boolean[] alive = {true, true, true, true, true, false}; // the dead latent's huge score is ignored
        Recovery.Ranking r = Recovery.rank("x", score, alive, new int[] {1, 4});
        assertThat(r.ranks()).containsExactly(1.5, 4.0); // latent 1 ties with 3 → 1 + 0 + 1/2; latent 4: 9, 9, 5 above
        assertThat(r.recall()).containsExactly(0.0, 1.0, 1.0);
        assertThat(r.dAlive()).isEqualTo(5);
        // AUROC: positives {9, 3} vs negatives {5, 1, 9}: pairs won 1+... = (9>5, 9>1, 9=9 → .5, 3<5, 3>1, 3<9) = 3.5 / 6
        assertThat(r.auroc()).isCloseTo(3.5 / 6, within(1e-12));
        // a constant score never puts a latent at rank 1
        assertThat(Recovery.rank("c", new double[] {0, 0, 0, 0}, new boolean[] {true, true, true, true}, new int[] {2}).ranks())
                .containsExactly(2.5);
    }

    @Test
    void deadOrOutOfRangePlantIsAnError() {
        assertThatThrownBy(() -> Recovery.rank("x", new double[] {1, 2}, new boolean[] {true, false}, new int[] {1}))
                .hasMessageContaining("planted latent 1 is not an alive latent");
        assertThatThrownBy(() -> Recovery.rank("x", new double[] {1, 2}, new boolean[] {false, false}, new int[] {0}))
                .hasMessageContaining("no alive latent");
    }

    @Test
    void randomPlantRecallMatchesKOverDAliveBySimulation() {
        SplittableRandom rng = new SplittableRandom(4);
        int d = 300;
        boolean[] alive = new boolean[d];
        int dAlive = 0;
        for (int i = 0; i < d; i++) {
            alive[i] = rng.nextDouble() < 0.8;
            dAlive += alive[i] ? 1 : 0;
        }
        for (int k : Recovery.KS) {
            double sum = 0;
            int reps = 40;
            for (int rep = 0; rep < reps; rep++) {
                double[] score = new double[d];
                for (int i = 0; i < d; i++) {
                    score[i] = rng.nextDouble();
                }
                sum += Recovery.randomPlantRecall(score, alive, k, 500, rep);
            }
            double sim = sum / reps; // 20,000 draws: standard error ≤ sqrt(p(1−p)/20000)
            double chance = Recovery.chanceRecall(k, dAlive);
            assertThat(sim).as("recall@" + k).isCloseTo(chance, within(4 * Math.sqrt(chance * (1 - chance) / 20_000) + 1e-9));
        }
    }

    @Test
    void crossSaeMatchUsesCosineAndThreshold() {
        float[] planted = {1, 0, 0};
        float[][] other = {{0, 1, 0}, {0.9f, 0.1f, 0}, {1, 0, 0}, {0.6f, 0.8f, 0}};
        Recovery.Match m = Recovery.bestMatch(planted, other, new boolean[] {true, true, false, true}); // the exact copy is dead
        assertThat(m.latent()).isEqualTo(1);
        assertThat(m.cosine()).isCloseTo(0.9 / Math.sqrt(0.82), within(1e-6));
        assertThat(m.matched()).isTrue();
        Recovery.Match none = Recovery.bestMatch(planted, other, new boolean[] {true, false, false, false});
        assertThat(none.cosine()).isEqualTo(0.0);
        assertThat(none.matched()).isFalse();
        Recovery.HiddenMatch h = Recovery.bestHidden(planted, new float[][] {{-1, 0, 0}, {0.5f, 0.5f, 0}});
        assertThat(h.hidden()).isEqualTo(1); // signed: the edit pointing away from the plant does not count
    }

    @Test
    void pairedSignFlipOnConstructedDifferences() {
        // all 10 differences positive: exact p = 2 / 2^10 (only all-plus and all-minus are as extreme)
        double[] up = {0.1, 0.2, 0.15, 0.3, 0.05, 0.25, 0.12, 0.18, 0.22, 0.09};
        Map<String, Object> m = RecoveryAnalysis.signFlip(up, 1);
        assertThat((double) m.get("p")).isCloseTo(2.0 / 1024, within(1e-12));
        assertThat((double) m.get("mean_diff")).isCloseTo(0.166, within(1e-12));
        assertThat((double) m.get("power")).isGreaterThan(0.95);
        // symmetric differences: no effect, p = 1, power near α
        double[] flat = {0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.05, -0.05};
        Map<String, Object> n = RecoveryAnalysis.signFlip(flat, 1);
        assertThat((double) n.get("p")).isEqualTo(1.0);
        assertThat((double) n.get("power")).isLessThan(0.3);
        // with 3 tasks the smallest possible p is 0.25: the test cannot reject at 0.05
        Map<String, Object> few = RecoveryAnalysis.signFlip(new double[] {1, 1, 1}, 1);
        assertThat((double) few.get("p")).isEqualTo(0.25);
        assertThat((double) few.get("power")).isEqualTo(0.0);
        assertThat((double) few.get("min_p_possible")).isEqualTo(0.25);
    }
}
