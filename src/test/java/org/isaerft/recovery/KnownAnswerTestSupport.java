package org.isaerft.recovery;

import ai.djl.ndarray.NDManager;
import org.isaerft.model.HookPoint;
import org.isaerft.testing.TestSae;

/** Shared toy pieces for the recovery tests. */
final class KnownAnswerTestSupport {
    private KnownAnswerTestSupport() {}

    /**
     * An identifiable SAE: decoder rows an orthonormal basis Q (seeded), encoder Qᵀ, b_enc = shift so
     * every latent is active (c = xQᵀ + shift): latent space is the residual stream in another basis,
     * so a planted direction has exactly one right answer.
     */
    static TestSae orthonormal(NDManager parent, int d, long seed, float shift) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                q[i][j] = r.nextGaussian();
            }
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[i][j] * q[k][j];
                }
                for (int j = 0; j < d; j++) {
                    q[i][j] -= dot * q[k][j];
                }
            }
            double n = 0;
            for (int j = 0; j < d; j++) {
                n += q[i][j] * q[i][j];
            }
            for (int j = 0; j < d; j++) {
                q[i][j] /= Math.sqrt(n);
            }
        }
        float[] wEnc = new float[d * d]; // [dIn, dSae] = Qᵀ
        float[] wDec = new float[d * d]; // [dSae, dIn] = Q
        float[] bEnc = new float[d];
        for (int i = 0; i < d; i++) {
            bEnc[i] = shift;
            for (int j = 0; j < d; j++) {
                wDec[i * d + j] = (float) q[i][j];
                wEnc[j * d + i] = (float) q[i][j];
            }
        }
        return new TestSae(parent, HookPoint.residPre(0), wEnc, bEnc, wDec, new float[d]);
    }
}
