package org.isaerft.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Usage;
import org.junit.jupiter.api.Test;

/** token-stats and logit-lens on hand-made records whose answers follow from the definitions. */
class OfflineExplainersTest {
    @Test
    void tokenStatsFindsTheOverRepresentedTokenAndContext() {
        // Foreground (firing positions): " dog" x5, " bark" x2, " puppy" x2 (n_f = 9). Background: 28 tokens,
        // none of those three. z(" dog") = 2.339 >= 1.96; " bark"/" puppy" 1.614 (below); context " the dog" 1.983.
        ExplainResult r = new TokenStatsExplainer().explain(Records.dog(5));
        assertThat(r).isInstanceOf(ExplainResult.Success.class);
        Explanation e = ((ExplainResult.Success) r).explanation();
        assertThat(e.description()).isEqualTo("tokens \" dog\"; contexts \" the dog\"");
        assertThat(e.method()).isEqualTo("token-stats");
        assertThat(e.promptId()).isNull();
        assertThat(e.usage()).isEqualTo(Usage.NONE);
        assertThat(e.examplesUsed()).containsExactly("top:0", "top:1", "top:2", "top:3", "top:4", "top:5", "random:0", "random:1",
                "random:2");
    }

    @Test
    void tokenStatsWithALowerThresholdListsTiesInOrder() {
        TokenStatsExplainer loose = new TokenStatsExplainer(new TokenStatsExplainer.Options(5, 3, 2, 1.5, 0.5));
        Explanation e = ((ExplainResult.Success) loose.explain(Records.dog(5))).explanation();
        // " bark" and " puppy" tie (z 1.614, count 2): alphabetical; " dog bark" (1.462) stays out
        assertThat(e.description()).isEqualTo("tokens \" dog\", \" bark\", \" puppy\"; contexts \" the dog\"");
    }

    @Test
    void tokenStatsFailuresAreTyped() {
        ExplainResult dead = new TokenStatsExplainer().explain(Records.dead(1));
        assertThat(dead).isInstanceOfSatisfying(ExplainResult.Failure.class,
                f -> assertThat(f.reason()).isEqualTo(ExplainResult.Reason.DEAD_LATENT));
        // a latent firing on every token: nothing is over-represented against a background of the same tokens
        LatentRecord flat = LatentRecord.of(new LatentId("blocks.0.hook_resid_pre", 3), false, Records.stats(1), List.of(
                Records.top(List.of("a", "b"), 1, 1)), List.of(), List.of(Records.random(List.of("a", "b"))), null);
        assertThat(new TokenStatsExplainer().explain(flat)).isInstanceOfSatisfying(ExplainResult.Failure.class,
                f -> assertThat(f.reason()).isEqualTo(ExplainResult.Reason.NO_SIGNAL));
    }

    @Test
    void logitLensListsPromotedAndSuppressedTokensByValue() {
        Explanation e = ((ExplainResult.Success) new LogitLensExplainer(2).explain(Records.dog(5))).explanation();
        assertThat(e.description()).isEqualTo("promotes \" dog\", \" dogs\"; suppresses \" cats\", \" cat\"");
        assertThat(e.method()).isEqualTo("logit-lens");
        assertThat(new LogitLensExplainer().explain(Records.sparse(2))).isInstanceOfSatisfying(ExplainResult.Failure.class,
                f -> assertThat(f.reason()).isEqualTo(ExplainResult.Reason.NO_LOGIT_LENS));
    }
}
