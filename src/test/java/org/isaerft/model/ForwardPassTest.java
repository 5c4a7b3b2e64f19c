package org.isaerft.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The forward-pass rules shared by GPT-2 and Llama, without a model. */
class ForwardPassTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();

    @Test
    void tokenIdsAreCheckedAndCopiedToInt64() {
        try (NDManager m = ND.get().newSubManager()) {
            NDArray ids = ForwardPass.tokenIds(m.create(new int[] {0, 9, 3, 4}, new Shape(2, 2)), 0, 8, "n_ctx", 10);
            assertThat(ids.getDataType()).isEqualTo(DataType.INT64);
            assertThat(ids.toLongArray()).containsExactly(0, 9, 3, 4);

            assertThatThrownBy(() -> ForwardPass.tokenIds(m.create(new int[] {0, 10}, new Shape(1, 2)), 0, 8, "n_ctx", 10))
                    .hasMessage("token id 10 out of range: ids must be in [0, 10) (vocab_size 10)");
            assertThatThrownBy(() -> ForwardPass.tokenIds(m.create(new long[] {-4, 1}, new Shape(1, 2)), 0, 8, "n_ctx", 10))
                    .hasMessageContaining("token id -4 out of range");
            assertThatThrownBy(() -> ForwardPass.tokenIds(m.zeros(new Shape(1, 3), DataType.INT32), 6, 8, "n_ctx", 10))
                    .as("a key/value cache counts towards the context")
                    .hasMessage("sequence length 9 exceeds the model's context length 8 (n_ctx)");
            for (DataType dt : List.of(DataType.INT8, DataType.UINT8, DataType.FLOAT32)) {
                assertThatThrownBy(() -> ForwardPass.tokenIds(m.zeros(new Shape(1, 2), dt), 0, 8, "n_ctx", 10))
                        .hasMessage("tokens must be an integer array of int32 or int64, found " + dt);
            }
            assertThatThrownBy(() -> ForwardPass.tokenIds(m.zeros(new Shape(0, 2), DataType.INT32), 0, 8, "n_ctx", 10))
                    .hasMessageContaining("at least one row");
            assertThatThrownBy(() -> ForwardPass.tokenIds(m.zeros(new Shape(2), DataType.INT32), 0, 8, "n_ctx", 10))
                    .hasMessageContaining("[batch, seq]");
        }
    }

    @Test
    void atRunsTheHookAndStopsAfterTheStopPoint() {
        try (NDManager m = ND.get().newSubManager()) {
            List<String> seen = new ArrayList<>();
            Hooks hooks = Hooks.builder()
                    .add(HookPoint.embed(), (x, p) -> {
                        seen.add(p.toString());
                        return x.add(1f);
                    })
                    .stopAt(HookPoint.residPre(0)).build();
            NDArray out = ForwardPass.at(hooks, HookPoint.embed(), m.zeros(new Shape(1)));
            assertThat(out.toFloatArray()).containsExactly(1f);
            assertThat(seen).containsExactly(HookPoint.embed().toString());
            assertThatThrownBy(() -> ForwardPass.at(hooks, HookPoint.residPre(0), m.zeros(new Shape(1))))
                    .isInstanceOf(ForwardPass.Stop.class);
        }
    }

    @Test
    void hooksMustNameAPointOfTheModel() {
        Set<HookPoint> known = Set.copyOf(HookPoint.all(2));
        ForwardPass.checkHooks(Hooks.builder().add(HookPoint.residPost(1), (x, p) -> x).build(), known, "M", 2);
        assertThatThrownBy(() -> ForwardPass.checkHooks(Hooks.builder().add(HookPoint.residPost(2), (x, p) -> x).build(), known, "M", 2))
                .hasMessageContaining("does not exist in this M (2 layers, blocks.0 .. blocks.1)");
        assertThatThrownBy(() -> ForwardPass.checkHooks(Hooks.builder().stopAt(HookPoint.residPre(5)).build(), known, "M", 2))
                .hasMessageContaining("stop point").hasMessageContaining("2 layers");
    }
}
