package org.isaerft.report;

/**
 * One headline number of a run, as written to {@code summary.json}.
 *
 * @param name           stable key, e.g. {@code score/embedding/local/token-stats}
 * @param value          the number
 * @param baseline       what it is compared against (shuffled explanations, base model, chance), null if none
 * @param baselineKind   what the baseline is
 * @param ciLow          bootstrap 95% CI low (null when not available)
 * @param ciHigh         bootstrap 95% CI high
 * @param higherIsBetter direction used by the nightly comparison
 */
public record Headline(String name, double value, Double baseline, String baselineKind, Double ciLow, Double ciHigh,
        boolean higherIsBetter) {
    public Headline {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("headline needs a name");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("headline " + name + ": value must be finite, found " + value);
        }
    }
}
