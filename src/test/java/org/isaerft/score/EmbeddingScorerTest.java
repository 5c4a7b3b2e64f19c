package org.isaerft.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.junit.jupiter.api.Test;

/** The real all-MiniLM-L6-v2 model, in-process. */
class EmbeddingScorerTest {
    static LatentRecord dogRecord(LatentId id) {
        List<Example> top = new ArrayList<>();
        for (String t : List.of("My puppy chewed the sofa again this morning", "The dog barked at the mailman all afternoon",
                "We adopted two puppies from the animal shelter", "Walk your dog twice a day and give it fresh water",
                "The golden retriever fetched the stick from the lake")) {
            top.add(TestRecords.topAbout(t, "p"));
        }
        List<Example> random = new ArrayList<>();
        for (String t : List.of("The central bank raised interest rates by half a point", "Parliament passed the new tax bill on Friday",
                "Stir the soup and add salt and pepper to taste", "The train to Berlin leaves from platform nine",
                "Quantum computers use qubits instead of bits")) {
            random.add(TestRecords.random(TestRecords.words(t)));
        }
        return TestRecords.record(id, top, random);
    }

    @Test
    void separatesTheRightExplanationFromAWrongOne() {
        LatentId id = TestRecords.id(2);
        LatentRecord r = dogRecord(id);
        EmbeddingScorer scorer = new EmbeddingScorer();
        Score right = scorer.score(r, TestRecords.explanation(id, "mentions of dogs and puppies"));
        Score wrong = scorer.score(r, TestRecords.explanation(id, "financial regulation"));
        assertThat(right.value()).isGreaterThan(0.8);
        assertThat(wrong.value()).isLessThan(0.8);
        assertThat(right.value()).isGreaterThan(wrong.value());
        assertThat(right.details()).hasSize(10).allSatisfy(d -> assertThat(d.similarity()).isBetween(-1.0, 1.0));
        assertThat(right.prompt()).isNull();
        // 10 examples + 2 explanations embedded once each: the second explanation re-used every example vector
        assertThat(scorer.cachedEmbeddings()).isEqualTo(12);
    }
}
