package org.isaerft.activations;

/**
 * Summary statistics of one latent over {@code nTokens} tokens.
 *
 * @param nTokens         tokens seen
 * @param nFiring         tokens where the activation was > 0
 * @param frequency       nFiring / nTokens
 * @param maxActivation   largest activation seen (0 if it never fired)
 * @param meanActivation  mean over firing tokens (0 if it never fired)
 * @param histogramEdges  bin edges (length bins+1) of the firing activations
 * @param histogramCounts counts per bin (length bins)
 */
public record LatentStats(
        long nTokens,
        long nFiring,
        double frequency,
        double maxActivation,
        double meanActivation,
        double[] histogramEdges,
        long[] histogramCounts) {
    public LatentStats {
        if (nTokens < 0 || nFiring < 0 || nFiring > nTokens) {
            throw new IllegalArgumentException("latent stats: n_firing " + nFiring + " must be within n_tokens " + nTokens);
        }
        if (histogramEdges == null || histogramCounts == null
                || (histogramCounts.length > 0 && histogramEdges.length != histogramCounts.length + 1)) {
            throw new IllegalArgumentException("latent stats: histogram needs bins+1 edges, found "
                    + (histogramEdges == null ? "null" : histogramEdges.length) + " edges for "
                    + (histogramCounts == null ? "null" : histogramCounts.length) + " counts");
        }
    }
}
