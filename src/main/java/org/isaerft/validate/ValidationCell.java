package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One cell of the validate stage (SAE × task × component × method): the {@link Validation}, or why there
 * is none ({@code skipped}, e.g. too few described latents). An element of {@code validate/validation.json}.
 *
 * @param sae        the SAE's name in the run config
 * @param saeType    its type in the run config (qualified by the name when several SAEs share it)
 * @param nDescribed change-summary latents with a description by the method
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationCell(String sae, String saeType, String task, String component, String method, int nDescribed,
        Validation validation, String skipped) {
    public ValidationCell {
        if ((validation == null) == (skipped == null)) {
            throw new IllegalArgumentException("validation cell " + sae + "/" + task + "/" + component + "/" + method
                    + ": exactly one of validation and skipped must be set");
        }
    }
}
