package org.isaerft.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MultipleTestingTest {
    @Test
    void matchesHandComputedBhQValues() {
        // m = 5; sorted p: 0.01, 0.02, 0.03, 0.04, 0.5 → p·m/rank: 0.05, 0.05, 0.05, 0.05, 0.5,
        // running minimum from the top leaves them unchanged (R: p.adjust(c(.03,.5,.01,.04,.02), "BH")).
        double[] q = MultipleTesting.benjaminiHochberg(new double[] {0.03, 0.5, 0.01, 0.04, 0.02});
        assertArrayEquals(new double[] {0.05, 0.5, 0.05, 0.05, 0.05}, q, 1e-12);
    }

    @Test
    void runningMinimumAndCapAtOne() {
        // sorted 0.002 (×3/1 = 0.006), 0.04 (×3/2 = 0.06), 0.041 (×3/3 = 0.041) → min from top: 0.006, 0.041, 0.041
        double[] q = MultipleTesting.benjaminiHochberg(new double[] {0.041, 0.002, 0.04});
        assertArrayEquals(new double[] {0.041, 0.006, 0.041}, q, 1e-12);
        // sorted 0.8 (×2/1 = 1.6), 0.9 (×2/2 = 0.9) → running minimum from the top: 0.9, 0.9 (R: p.adjust(c(0.9, 0.8), "BH"))
        assertArrayEquals(new double[] {0.9, 0.9}, MultipleTesting.benjaminiHochberg(new double[] {0.9, 0.8}), 1e-12);
        // the cap: a single p of 1 stays 1, never above
        assertArrayEquals(new double[] {1.0, 1.0}, MultipleTesting.benjaminiHochberg(new double[] {1.0, 1.0}), 1e-12);
    }

    @Test
    void nanIsNotCountedAndStaysNan() {
        double[] q = MultipleTesting.benjaminiHochberg(new double[] {Double.NaN, 0.01, 0.04});
        assertTrue(Double.isNaN(q[0]));
        assertArrayEquals(new double[] {0.02, 0.04}, new double[] {q[1], q[2]}, 1e-12);
    }

    @Test
    void rejectsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> MultipleTesting.benjaminiHochberg(new double[] {1.2}));
    }
}
