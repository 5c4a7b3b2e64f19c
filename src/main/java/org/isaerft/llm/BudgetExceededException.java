package org.isaerft.llm;

import java.util.Locale;

/** Thrown BEFORE a request whose worst-case cost would take the run over its budget; nothing was sent. */
public final class BudgetExceededException extends LlmException {
    private final double budgetUsd;
    private final double spentUsd;
    private final double requestEstimateUsd;

    public BudgetExceededException(double budgetUsd, double spentUsd, double requestEstimateUsd) {
        super(Kind.BUDGET_EXCEEDED, 0, String.format(Locale.ROOT,
                "LLM budget of $%.4f would be exceeded: spent or committed $%.4f, next request may cost up to $%.4f "
                        + "(raise budget_usd in the LLM config to continue; finished results are kept)",
                budgetUsd, spentUsd, requestEstimateUsd), null);
        this.budgetUsd = budgetUsd;
        this.spentUsd = spentUsd;
        this.requestEstimateUsd = requestEstimateUsd;
    }

    public double budgetUsd() {
        return budgetUsd;
    }

    public double spentUsd() {
        return spentUsd;
    }

    public double requestEstimateUsd() {
        return requestEstimateUsd;
    }
}
