package org.isaerft.recovery;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the plant strength S is measured in. {@link #MAX_ACT} (the default, the original rule): latent i adds
 * {@code S × max_act(i) × r_i}, so a plant's residual size follows the source SAE's activation scale.
 * {@link #RESIDUAL}: latent i adds {@code S × ρ / ‖r_i‖ × r_i}, ρ = the median L2 norm of the raw activation at the
 * hook over the scan's tokens ({@link LatentScan#residualNorm()}), so every latent's plant has norm {@code S × ρ}
 * whatever the source SAE.
 */
public enum StrengthUnit {
    MAX_ACT("max-act"),
    RESIDUAL("residual");

    private final String id;

    StrengthUnit(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    /** The unit named {@code s} ("max-act" or "residual"); null means the default, max-act. */
    @JsonCreator
    public static StrengthUnit parse(String s) {
        if (s == null) {
            return MAX_ACT;
        }
        String k = s.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (StrengthUnit u : values()) {
            if (u.id.equals(k)) {
                return u;
            }
        }
        throw new IllegalArgumentException("strength unit: expected one of " + Arrays.stream(values()).map(StrengthUnit::id).toList()
                + ", found '" + s + "'");
    }

    /**
     * The coefficient of r_i at strength S: {@code S × maxAct} (max-act) or {@code S × rho / dirNorm} (residual).
     *
     * @param maxAct  the latent's max activation over the scan
     * @param rho     median residual norm at the hook over the scan (used by residual only)
     * @param dirNorm ‖r_i‖ (used by residual only)
     */
    public double coefficient(double strength, double maxAct, double rho, double dirNorm) {
        return strength * perUnitStrength(maxAct, rho, dirNorm);
    }

    /** The coefficient of r_i per unit of S: max_act(i), or ρ / ‖r_i‖; fails when ρ or ‖r_i‖ is not a positive number. */
    public double perUnitStrength(double maxAct, double rho, double dirNorm) {
        if (this == MAX_ACT) {
            return maxAct;
        }
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("strength unit residual: the median residual norm ρ must be a positive number, found " + rho
                    + " (was the scan run with residual norms?)");
        }
        if (!(dirNorm > 0) || Double.isInfinite(dirNorm)) {
            throw new IllegalArgumentException("strength unit residual: the latent's residual direction has norm " + dirNorm
                    + " (a latent with a zero decoder direction cannot be planted in residual units)");
        }
        return rho / dirNorm;
    }

    /** The steering rule's formula for latent i, in words. */
    public String formula() {
        return this == MAX_ACT ? "x += S × max_act(i) × r_i" : "x += S × ρ / ‖r_i‖ × r_i";
    }
}
