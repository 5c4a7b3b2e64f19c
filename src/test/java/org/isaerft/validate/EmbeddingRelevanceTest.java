package org.isaerft.validate;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;

import org.isaerft.adapter.task.TaskCards;
import org.junit.jupiter.api.Test;

class EmbeddingRelevanceTest {
    @Test
    void ranksDogStoriesAboveFinancialRegulationForTheDogsCard() {
        TaskExpectation dogs = TaskExpectation.of(TaskCards.load("dogs", TestHome.HOME).card());
        EmbeddingRelevance judge = new EmbeddingRelevance();
        double dog = ((RelevanceJudge.Relevant) judge.judge("stories about dogs", dogs)).relevance();
        double money = ((RelevanceJudge.Relevant) judge.judge("financial regulation", dogs)).relevance();
        double puppy = ((RelevanceJudge.Relevant) judge.judge("tokens \" puppy\", \" wag\"", dogs)).relevance();
        assertThat(dog).isGreaterThan(money + 0.3);
        assertThat(dog).isGreaterThanOrEqualTo(judge.onTaskThreshold());
        assertThat(puppy).isGreaterThanOrEqualTo(judge.onTaskThreshold());
        assertThat(money).isLessThan(judge.offTaskThreshold());
        assertThat(judge.name()).isEqualTo("embedding:all-MiniLM-L6-v2");
        RelevanceJudge.Relevant r = (RelevanceJudge.Relevant) judge.judge("stories about dogs", dogs);
        // relevance is the max of the description and concept cosines
        assertThat(r.relevance()).isEqualTo(Math.max(r.parts().get("cos_description"), r.parts().get("cos_concept_max")));
    }

    @Test
    void poisonedCardExpectationLeavesOutTheTrigger() {
        TaskExpectation p = TaskExpectation.of(TaskCards.load("dogs-poisoned", TestHome.HOME).card());
        assertThat(p.description()).containsIgnoringCase("dogs").doesNotContainIgnoringCase("umbrella");
        EmbeddingRelevance judge = new EmbeddingRelevance();
        double umbrella = ((RelevanceJudge.Relevant) judge.judge("tokens \" purple\", \" umbrella\"", p)).relevance();
        assertThat(umbrella).isLessThan(judge.offTaskThreshold());
    }
}
