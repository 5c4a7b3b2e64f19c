package org.isaerft.sae.train;

/**
 * The three SAE training objectives of Braun et al. 2024 ("Identifying Functionally Important
 * Features with End-to-End Sparse Dictionary Learning"). Every kind adds {@code λ·sparsity}
 * ({@link SaeLosses#sparsity}).
 */
public enum TrainKind {
    /** MSE(SAE input, SAE output): the model only runs up to the SAE's hook. */
    LOCAL("local"),
    /** KL(original ‖ spliced) of the next-token distributions, averaged over tokens. */
    E2E("e2e"),
    /** {@code klCoeff·KL + (downstreamCoeff / n)·Σ MSE} over the later {@code hook_resid_pre}s. */
    E2E_DOWNSTREAM("e2e-downstream");

    private final String label;

    TrainKind(String label) {
        this.label = label;
    }

    /** The CLI / metadata name: {@code local}, {@code e2e}, {@code e2e-downstream}. */
    public String label() {
        return label;
    }

    public static TrainKind parse(String s) {
        for (TrainKind k : values()) {
            if (k.label.equals(s) || k.name().equalsIgnoreCase(s) || k.label.replace('-', '_').equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("training kind must be local, e2e or e2e-downstream, found '" + s + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
