package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one mining entry point: budgets, and an empty corpus named as an error before anything is written. */
class MiningJobTest {
    @TempDir
    Path tmp;

    @Test
    void anEmptyCorpusIsAnErrorNamingTheCorpusAndNothingIsWritten() throws Exception {
        Path corpus = Files.writeString(tmp.resolve("blank.txt"), "\n\n   \n\n");
        Path out = tmp.resolve("mined");
        try (NDManager root = NDManager.newBaseManager();
             LanguageModel lm = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), root);
             Sae sae = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), root)) {
            assertThatThrownBy(() -> MiningJob.builder(lm, sae, corpus).tokens(100).seqLen(16).build().run(out))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corpus " + corpus + " has no documents");
            assertThat(out.resolve(MiningIndex.FILE)).doesNotExist();
        }
    }

    @Test
    void theExactBudgetCutsTheLastSequenceAndTheWholeSequenceBudgetKeepsIt() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int d = 0; d < 4; d++) {
            for (int t = 0; t < 30; t++) {
                text.append(10 + (d * 31 + t * 7) % 500).append(' ');
            }
            text.append("\n\n");
        }
        Path corpus = Files.writeString(tmp.resolve("ids.txt"), text.toString());
        try (NDManager root = NDManager.newBaseManager();
             LanguageModel lm = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), root);
             Sae sae = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), root)) {
            MiningConfig small = new MiningConfig(2, 4, 1, 2, 0, 0.5);
            // 16-token sequences: a budget of 20 tokens takes 2 sequences; exact mines 20 of them, whole-sequences all 2 × 16 mined
            int prefix = lm.tokenizer().prependsBos() ? 1 : 0;
            MiningJob.Result exact = MiningJob.builder(lm, sae, corpus).config(small).tokens(20).seqLen(16).build().run(tmp.resolve("exact"));
            MiningJob.Result whole = MiningJob.builder(lm, sae, corpus).config(small).tokens(20).seqLen(16)
                    .budget(MiningJob.Budget.WHOLE_SEQUENCES).build().run(tmp.resolve("whole"));
            assertThat(exact.mining().tokens()).isEqualTo(20);
            assertThat(whole.mining().tokens()).isEqualTo(2L * (16 - prefix));
            assertThat(exact.index().tokens()).isEqualTo(20);
        }
    }
}
