package org.isaerft.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UsageTest {
    @Test
    void sumsTokensAndCost() {
        Usage u = new Usage(10, 2, 0.25).plus(new Usage(5, 1, 0.5));
        assertThat(u).isEqualTo(new Usage(15, 3, 0.75));
        assertThat(Usage.NONE.plus(u)).isEqualTo(u);
    }

    @Test
    void rejectsNegativeCountsAndNonFiniteCost() {
        assertThatThrownBy(() -> new Usage(-1, 0, 0)).hasMessageContaining("input -1");
        assertThatThrownBy(() -> new Usage(0, -2, 0)).hasMessageContaining("output -2");
        assertThatThrownBy(() -> new Usage(0, 0, -0.1)).hasMessageContaining("-0.1");
        assertThatThrownBy(() -> new Usage(0, 0, Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new Usage(0, 0, Double.POSITIVE_INFINITY)).hasMessageContaining("Infinity");
    }
}
