package org.isaerft.validate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.score.ScoreMath;

/**
 * Known-answer recovery metrics: where do the planted latents land when latents are ranked by how
 * much an adapter changed them? Ranks are 1-based among <em>alive</em> latents only (dead latents
 * can neither be planted nor found), by a score sorted descending; a tie counts half (the rank is
 * 1 + #alive others strictly above + #alive others tied / 2), so a constant score gives the middle
 * rank, never rank 1.
 */
public final class Recovery {
    /** Cosine below which another SAE is said to have no latent matching a planted direction. */
    public static final double MATCH_THRESHOLD = 0.5;
    public static final int[] KS = {1, 5, 20};

    private Recovery() {}

    /**
     * Ranking of the planted latents under one score.
     *
     * @param by     the score's name ({@code param_change}, {@code mean_abs_delta}, …)
     * @param ranks  rank of each planted latent (1 = most changed), in planted order
     * @param recall recall@k for k in {@link #KS}: fraction of planted latents with rank ≤ k
     * @param auroc  AUROC of planted vs the other alive latents (null when undefined)
     * @param dAlive alive latents ranked
     */
    public record Ranking(String by, List<Double> ranks, List<Double> recall, Double auroc, int dAlive) {
        public Ranking {
            if (by == null || ranks == null || recall == null || recall.size() != KS.length || dAlive <= 0) {
                throw new IllegalArgumentException("ranking: need a score name, ranks, " + KS.length + " recall values and d_alive > 0");
            }
            ranks = List.copyOf(ranks);
            recall = List.copyOf(recall);
        }

        public double recallAt(int k) {
            for (int j = 0; j < KS.length; j++) {
                if (KS[j] == k) {
                    return recall.get(j);
                }
            }
            throw new IllegalArgumentException("recall@" + k + " is not recorded (k in " + Arrays.toString(KS) + ")");
        }

        /** Best (smallest) rank of any planted latent. */
        public double bestRank() {
            return ranks.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        }
    }

    /** Ranks {@code planted} among alive latents by {@code score} (descending). */
    public static Ranking rank(String by, double[] score, boolean[] alive, int[] planted) {
        if (score.length != alive.length) {
            throw new IllegalArgumentException("recovery: " + score.length + " scores but " + alive.length + " alive flags");
        }
        int dAlive = 0;
        for (boolean a : alive) {
            dAlive += a ? 1 : 0;
        }
        if (dAlive == 0) {
            throw new IllegalArgumentException("recovery: no alive latent to rank");
        }
        List<Double> ranks = new ArrayList<>();
        for (int p : planted) {
            if (p < 0 || p >= score.length || !alive[p]) {
                throw new IllegalArgumentException("recovery: planted latent " + p + " is not an alive latent of this SAE");
            }
            double above = 0;
            double ties = 0;
            for (int i = 0; i < score.length; i++) {
                if (i == p || !alive[i]) {
                    continue;
                }
                if (score[i] > score[p]) {
                    above++;
                } else if (score[i] == score[p]) {
                    ties++;
                }
            }
            ranks.add(1 + above + ties / 2);
        }
        List<Double> recall = new ArrayList<>();
        for (int k : KS) {
            recall.add(ranks.stream().filter(r -> r <= k).count() / (double) ranks.size());
        }
        double[] s = new double[dAlive];
        boolean[] lab = new boolean[dAlive];
        int j = 0;
        for (int i = 0; i < score.length; i++) {
            if (alive[i]) {
                s[j] = score[i];
                for (int p : planted) {
                    lab[j] |= p == i;
                }
                j++;
            }
        }
        OptionalDouble au = ScoreMath.auroc(s, lab);
        return new Ranking(by, ranks, recall, au.isPresent() ? au.getAsDouble() : null, dAlive);
    }

    /** |parameter change| per latent (scale s_i, bias b_i, ffnn ‖W2[i,:]‖ + |b2_i|). */
    public static double[] paramChange(ChangeSummary cs) {
        double[] v = new double[cs.latents().size()];
        for (ChangeSummary.LatentChange l : cs.latents()) {
            v[l.latent()] = Math.abs(l.paramChange());
        }
        return v;
    }

    /** Measured mean |c' − c| per latent on held-out text. */
    public static double[] activationChange(ChangeSummary cs) {
        double[] v = new double[cs.latents().size()];
        for (ChangeSummary.LatentChange l : cs.latents()) {
            v[l.latent()] = l.meanAbsDelta();
        }
        return v;
    }

    /** Both rankings of a change summary: by parameter change and by measured activation change. */
    public static List<Ranking> of(ChangeSummary cs, boolean[] alive, int[] planted) {
        return List.of(rank("param_change", paramChange(cs), alive, planted), rank("mean_abs_delta", activationChange(cs), alive, planted));
    }

    /** Chance level of recall@k for one planted latent: k / d_alive (capped at 1). */
    public static double chanceRecall(int k, int dAlive) {
        return Math.min(1.0, (double) k / dAlive);
    }

    /**
     * Random-latent "plant": the recall@k a randomly chosen alive latent gets under {@code score},
     * averaged over {@code trials} seeded draws (its expectation over draws is k/d_alive for any
     * score without ties).
     */
    public static double randomPlantRecall(double[] score, boolean[] alive, int k, int trials, long seed) {
        int[] aliveIdx = java.util.stream.IntStream.range(0, alive.length).filter(i -> alive[i]).toArray();
        SplittableRandom rng = new SplittableRandom(seed);
        double hits = 0;
        for (int t = 0; t < trials; t++) {
            int p = aliveIdx[rng.nextInt(aliveIdx.length)];
            hits += rank("random", score, alive, new int[] {p}).ranks().get(0) <= k ? 1 : 0;
        }
        return hits / trials;
    }

    /**
     * Best match of a residual direction among an SAE's residual directions.
     *
     * @param latent  best-matching alive latent
     * @param cosine  its cosine with the planted direction
     * @param matched cosine ≥ {@link #MATCH_THRESHOLD}
     */
    public record Match(int latent, double cosine, boolean matched) {}

    public static Match bestMatch(float[] direction, float[][] directions, boolean[] alive) {
        int best = -1;
        double bc = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < directions.length; i++) {
            if (!alive[i]) {
                continue;
            }
            double c = cosine(direction, directions[i]);
            if (c > bc) {
                bc = c;
                best = i;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("best match: the SAE has no alive latent");
        }
        return new Match(best, bc, bc >= MATCH_THRESHOLD);
    }

    /**
     * FFNN: the hidden unit whose edit column, mapped to the residual stream ({@code W_dec · W2[:, h]}),
     * points most along the planted direction (signed cosine: ReLU hidden units are ≥ 0, so an edit
     * pointing away from the plant removes it).
     *
     * @param hidden best hidden unit
     * @param cosine its cosine
     */
    public record HiddenMatch(int hidden, double cosine) {}

    public static HiddenMatch bestHidden(float[] planted, float[][] editDirections) {
        int best = -1;
        double bc = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < editDirections.length; h++) {
            double c = cosine(planted, editDirections[h]);
            if (c > bc) {
                bc = c;
                best = h;
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("best hidden unit: the adapter has no hidden unit");
        }
        return new HiddenMatch(best, bc);
    }

    /** Cosine of two vectors; 0 when either is zero. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cosine: lengths differ (" + a.length + " vs " + b.length + ")");
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }
}
