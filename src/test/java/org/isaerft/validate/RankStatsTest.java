package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RankStatsTest {
    // latents in change order: change 5,4,3,2,1; top-2 = the first two
    private static final double[] REL = {0.9, 0.2, 0.8, 0.1, 0.5};
    private static final double[] CHANGE = {5, 4, 3, 2, 1};
    private static final boolean[] TOP = {true, true, false, false, false};

    @Test
    void handComputedAurocSpearmanPrecision() {
        // positives {0.9, 0.2} vs negatives {0.8, 0.1, 0.5}: 0.9 beats 3, 0.2 beats 1 → 4 of 6 pairs
        assertThat(RankStats.auroc(REL, TOP).getAsDouble()).isCloseTo(4.0 / 6.0, within(1e-12));
        // relevance ranks 5,2,4,1,3 vs change ranks 5,4,3,2,1: Σd² = 10, ρ = 1 − 6·10/(5·24) = 0.5
        assertThat(RankStats.spearman(CHANGE, REL).getAsDouble()).isCloseTo(0.5, within(1e-12));
        assertThat(RankStats.precisionAtK(REL, TOP, 0.5)).isEqualTo(0.5);
        assertThat(RankStats.precisionAtK(REL, TOP, 0.1)).isEqualTo(1.0);
    }

    @Test
    void midranksAverageTies() {
        assertThat(RankStats.midranks(new double[] {3, 1, 3, 2})).containsExactly(3.5, 1, 3.5, 2);
    }

    @Test
    void spearmanUndefinedForConstantRelevance() {
        assertThat(RankStats.spearman(CHANGE, new double[] {1, 1, 1, 1, 1})).isEmpty();
    }

    @Test
    void permutationPValueMatchesExactValueOnTinyCase() {
        // 6 latents, distinct relevances; top-2 at relevance ranks 6 and 3 → AUROC (9−3)/8 = 0.75.
        double[] rel = {0.6, 0.5, 0.4, 0.3, 0.2, 0.1};
        boolean[] top = {true, false, false, true, false, false};
        double[] change = {6, 5, 4, 3, 2, 1};
        assertThat(RankStats.auroc(rel, top).getAsDouble()).isEqualTo(0.75);
        // exact: the fraction of the 15 rank pairs {a, b} with AUROC ≥ 0.75, i.e. a + b ≥ 9
        int ge = 0;
        int all = 0;
        for (int a = 1; a <= 6; a++) {
            for (int b = a + 1; b <= 6; b++) {
                all++;
                ge += (a + b - 3) / 8.0 >= 0.75 ? 1 : 0;
            }
        }
        double exact = (double) ge / all;
        assertThat(exact).isEqualTo(4.0 / 15.0);
        int n = 20_000;
        RankStats.Permutation p = RankStats.permutation(rel, change, top, n, 42);
        double sd = Math.sqrt(exact * (1 - exact) / n);
        assertThat(p.pAuroc()).isCloseTo(exact, within(4 * sd + 1.0 / n));
        assertThat(p.nullMeanAuroc()).isCloseTo(0.5, within(0.01));
    }

    @Test
    void permutationPValueHasThePlusOneCorrection() {
        // the observed AUROC is the maximum: only permutations reaching 1.0 count, p ≥ 1/(N+1)
        double[] rel = {0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.05, 0.15, 0.25, 0.35};
        boolean[] top = new boolean[12];
        top[0] = top[1] = true;
        double[] change = {12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        RankStats.Permutation p = RankStats.permutation(rel, change, top, 1000, 1);
        assertThat(p.pAuroc()).isGreaterThanOrEqualTo(1.0 / 1001).isLessThan(0.02); // exact 1/66
    }

    @Test
    void bootstrapIsDeterministicPerSeed() {
        double[] rel = new double[60];
        double[] change = new double[60];
        boolean[] top = new boolean[60];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 60; i++) {
            rel[i] = r.nextDouble() + (i < 10 ? 0.3 : 0);
            change[i] = 60 - i;
            top[i] = i < 10;
        }
        RankStats.Interval a = RankStats.bootstrapAuroc(rel, top, 500, 7);
        RankStats.Interval b = RankStats.bootstrapAuroc(rel, top, 500, 7);
        RankStats.Interval c = RankStats.bootstrapAuroc(rel, top, 500, 8);
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
        double auc = RankStats.auroc(rel, top).getAsDouble();
        assertThat(a.low()).isLessThan(auc);
        assertThat(a.high()).isGreaterThan(auc);
        assertThat(RankStats.bootstrapSpearman(change, rel, 500, 7)).isEqualTo(RankStats.bootstrapSpearman(change, rel, 500, 7));
    }

    @Test
    void quantileInterpolates() {
        assertThat(RankStats.quantile(new double[] {0, 10}, 0.25)).isEqualTo(2.5);
        assertThat(RankStats.quantile(new double[] {1, 2, 3, 4, 5}, 0.5)).isEqualTo(3);
    }

    @Test
    void topKOverlapCountsTheMostChangedAmongTheMostRelevant() {
        // top = the first 2; the 2 most relevant are indices 0 and 3 → overlap 1
        double[] rel = {0.9, 0.2, 0.1, 0.8, 0.3, 0.0};
        boolean[] top = {true, true, false, false, false, false};
        assertThat(RankStats.topKOverlap(rel, top, 1)).isEqualTo(1);
        double[] rel2 = {0.9, 0.8, 0.1, 0.2, 0.3, 0.0};
        assertThat(RankStats.topKOverlap(rel2, top, 1)).isEqualTo(2);
    }

    @Test
    void tiedRelevanceGivesTheChanceOverlapOnAverage() {
        // all descriptions equally relevant: the k "most relevant" are a random k, so E[overlap] = k²/n = 9/12
        int n = 12;
        double[] rel = new double[n];
        boolean[] top = new boolean[n];
        top[0] = top[1] = top[2] = true;
        double sum = 0;
        int draws = 4000;
        for (int s = 0; s < draws; s++) {
            sum += RankStats.topKOverlap(rel, top, s);
        }
        assertThat(sum / draws).isCloseTo(9.0 / 12, org.assertj.core.data.Offset.offset(0.05));
    }

    @Test
    void hypergeometricTailMatchesTheCountingFormula() {
        // n = 10, k = m = 2: P(X >= 2) = C(2,2)/C(10,2) = 1/45; P(X >= 1) = 1 - C(8,2)/C(10,2) = 17/45; P(X >= 0) = 1
        assertThat(RankStats.hypergeometricUpperTail(10, 2, 2, 2)).isCloseTo(1.0 / 45, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(RankStats.hypergeometricUpperTail(10, 2, 2, 1)).isCloseTo(17.0 / 45, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(RankStats.hypergeometricUpperTail(10, 2, 2, 0)).isEqualTo(1.0);
    }
}
