package org.isaerft.sae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Iterator;
import org.isaerft.data.Batch;
import org.isaerft.data.Corpus;
import org.isaerft.data.DocumentSplit;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;

/** The pipeline on the real stories260K (Llama) model with TinyStories text: BOS, splice, evaluation. */
class SaeLlamaTest {
    @Test
    void spliceAndEvaluateOnStories260K() {
        try (NDManager root = NDManager.newBaseManager();
             LanguageModel lm = ModelFamilies.load(Shared.path("models/stories260K"), root)) {
            assertThat(lm.tokenizer().prependsBos()).isTrue();
            SaeConfig cfg = SaeConfig.builder().id("random").hookPoint(HookPoint.residPre(2)).dIn(lm.config().dModel()).dSae(256).build();
            Corpus corpus = Corpus.builder(Shared.path("corpora/tinystories/tinystories-sample.txt")).tokenizer(lm.tokenizer())
                    .seqLen(64).batchSize(4).split(new DocumentSplit(0.2, 1), DocumentSplit.Part.HELD_OUT).build();
            Iterator<Batch> it = corpus.batches();
            Batch first = it.next();
            assertThat(first.windows().get(0).tokens()[0]).isEqualTo(lm.tokenizer().bosId().getAsInt());
            assertThat(first.windows().get(0).offset()).isZero();
            try (Sae sae = Sae.initialize(cfg, 5, 1.0, root)) {
                NDArray tokens = first.toNDArray(root);
                NDArray clean = lm.forward(tokens);
                NDArray withError = lm.forward(tokens, SaeSplice.withErrorTerm(sae));
                assertThat(withError.sub(clean).abs().max().getFloat()).isLessThanOrEqualTo(1e-6f);
                SaeEvalResult r = SaeEvaluator.evaluate(lm, sae, corpus.batches(), 512, "stories260K", "tinystories-sample");
                assertThat(r.tokens()).isEqualTo(512);
                // stories260K predicts its own training distribution far better than uniform (ln 512 = 6.24)
                assertThat(r.ceClean()).isLessThan(3.0);
                assertThat(r.ceIncrease()).isGreaterThan(0.0);
                assertThat(r.kl()).isGreaterThan(0.0);
            }
        }
    }
}
