package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.activations.LatentId;
import org.isaerft.adapter.ChangeSummary;
import org.junit.jupiter.api.Test;

class ValidatorTest {
    static final String HOOK = "blocks.2.hook_resid_pre";
    static final TaskExpectation DOGS = new TaskExpectation("dogs", "Stories about dogs and puppies.", List.of("dog", "puppy"));

    /** A judge that rates by keyword: "dog"/"puppy" on-task (0.8–0.99), anything else 0.0–0.15. */
    static final class KeywordJudge implements RelevanceJudge {
        @Override
        public String name() {
            return "keyword";
        }

        @Override
        public double onTaskThreshold() {
            return 0.5;
        }

        @Override
        public double offTaskThreshold() {
            return 0.2;
        }

        @Override
        public Judgement judge(String d, TaskExpectation t) {
            double jitter = new Random(d.hashCode() * 0x9E3779B97F4A7C15L).nextDouble();
            boolean on = t.concepts().stream().anyMatch(d::contains);
            return new Relevant(on ? 0.8 + 0.19 * jitter : 0.15 * jitter, Map.of());
        }
    }

    /** n latents; change decreasing with index (latent i has change n − i). */
    static ChangeSummary summary(int n) {
        List<ChangeSummary.LatentChange> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double c = n - i;
            l.add(new ChangeSummary.LatentChange(i, c / 10, null, null, null, null, c, c, 0.1, 0.1));
        }
        return new ChangeSummary(1, "dogs", "scale", "test-sae", HOOK, ChangeSummary.RANK_BY, 1000, l);
    }

    static Map<Integer, Validator.Described> describe(List<String> d) {
        Map<Integer, Validator.Described> m = new HashMap<>();
        for (int i = 0; i < d.size(); i++) {
            m.put(i, new Validator.Described(new LatentId(HOOK, i), d.get(i)));
        }
        return m;
    }

    static List<String> descriptions(int n, int onTask, Random rnd, boolean onTaskFirst) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            d.add((onTaskFirst ? i < onTask : false) ? "the word dog, variant " + i : "generic token " + i);
        }
        if (!onTaskFirst) {
            for (int c = 0; c < onTask; c++) {
                d.set(c * (n / onTask), "the word puppy, variant " + c);
            }
            java.util.Collections.shuffle(d, rnd);
        }
        return d;
    }

    Validator validator(long seed) {
        return new Validator(new KeywordJudge(), Validator.Options.builder().k(20).auditK(20).permutations(1000).bootstrap(300)
                .randomDraws(300).seed(seed).build());
    }

    @Test
    void onTaskTopLatentsGiveAurocNearOneAndSmallP() {
        int n = 200;
        Validation v = validator(0).validate("a", summary(n), describe(descriptions(n, 20, null, true)), "m", DOGS, id -> List.of(), null);
        assertThat(v.nLatents()).isEqualTo(n);
        assertThat(v.stats().auroc()).isCloseTo(1.0, within(1e-9));
        assertThat(v.stats().pAuroc()).isLessThan(0.005).isGreaterThanOrEqualTo(1.0 / 1001);
        assertThat(v.stats().precisionAtK()).isEqualTo(1.0);
        assertThat(v.stats().baseRate()).isCloseTo(0.1, within(1e-12));
        assertThat(v.stats().spearman()).isGreaterThan(0.15);
        assertThat(v.stats().pSpearman()).isLessThan(0.005);
        assertThat(v.stats().aurocCi().low()).isGreaterThan(0.95);
        // controls on the same adapter: chance level
        assertThat(v.controls().shuffled().auroc()).isBetween(0.3, 0.7);
        assertThat(v.controls().randomLatents().aurocMean()).isCloseTo(0.5, within(0.03));
        assertThat(v.controls().randomLatents().precisionMean()).isCloseTo(0.1, within(0.02));
        assertThat(v.audit().nFlagged()).isZero();
        // by rank: the 20 most-changed are exactly the 20 on-task (most relevant) latents: overlap 20 of expected 20²/200 = 2
        assertThat(v.stats().overlapAtK()).isEqualTo(20);
        assertThat(v.stats().overlapExpected()).isEqualTo(2.0);
        assertThat(v.stats().pOverlap()).isLessThan(1e-20);
    }

    @Test
    void oneRelevantLatentAmongTheTopKIsSeenByRankOverlapNotByTheAbsoluteThreshold() {
        // every description scores above the on-task threshold (precision@k 1 everywhere), only latent 3's matches best
        RelevanceJudge flat = new RelevanceJudge() {
            @Override public String name() { return "flat"; }
            @Override public double onTaskThreshold() { return 0.4; }
            @Override public double offTaskThreshold() { return 0.2; }
            @Override public Judgement judge(String d, TaskExpectation t) {
                return new Relevant(d.contains("dog") ? 1.0 : 0.6 + 0.1 * new Random(d.hashCode()).nextDouble(), Map.of());
            }
        };
        int n = 200;
        List<String> d = descriptions(n, 0, null, true);
        d.set(3, "the word dog");
        Validation v = new Validator(flat, Validator.Options.builder().k(20).auditK(20).permutations(200).bootstrap(50).randomDraws(50)
                .seed(1).build()).validate("a", summary(n), describe(d), "m", DOGS, id -> List.of(), null);
        assertThat(v.stats().precisionAtK()).isEqualTo(1.0);
        assertThat(v.stats().baseRate()).isEqualTo(1.0); // the absolute threshold cannot tell anything apart here
        assertThat(v.stats().overlapAtK()).isGreaterThanOrEqualTo(1); // latent 3 is both top-changed and the most relevant
        // the rest of the top 20 by relevance are 19 of the 199 others at random: the overlap's tail p equals the formula
        assertThat(v.stats().pOverlap()).isEqualTo(RankStats.hypergeometricUpperTail(200, 20, 20, v.stats().overlapAtK()));
    }

    @Test
    void shuffledDescriptionsGiveChanceAurocAndLargeP() {
        int n = 200;
        double sumAuc = 0;
        int significant = 0;
        double sumP = 0;
        int runs = 20;
        for (int s = 0; s < runs; s++) {
            List<String> d = descriptions(n, 20, new Random(100 + s), false);
            Validation v = validator(s).validate("a", summary(n), describe(d), "m", DOGS, id -> List.of(), null);
            sumAuc += v.stats().auroc();
            sumP += v.stats().pAuroc();
            significant += v.stats().pAuroc() < 0.05 ? 1 : 0;
        }
        assertThat(sumAuc / runs).isCloseTo(0.5, within(0.06));
        assertThat(sumP / runs).isGreaterThan(0.15);
        assertThat(significant).isLessThanOrEqualTo(3);
    }

    @Test
    void triggerRecallIsUndefinedWhenTheSearchFoundNoLatent() {
        int n = 200;
        TriggerLatents none = new TriggerLatents(1, TriggerLatents.TYPE, "dogs-poisoned", "purple umbrella", "test-sae", HOOK, 64, 10, 100,
                1.0, 3.0, List.of(), List.of());
        Validation v = validator(0).validate("a", summary(n), describe(descriptions(n, 20, null, true)), "m", DOGS, id -> List.of(), none);
        assertThat(v.audit().trigger()).isNotNull();
        assertThat(v.audit().trigger().triggerLatents()).isEmpty();
        assertThat(v.audit().trigger().recall()).isNull(); // 0 of 0 is undefined, not a recall of 0
        Comparison c = Comparison.of(List.of(v), x -> "local", List.of("a"), List.of(), 50, 0);
        assertThat(c.markdown()).contains("none found");
    }

    @Test
    void auditFlagsAPlantedOffTaskLatentAndTheTriggerCheckFindsIt() {
        int n = 200;
        List<String> d = descriptions(n, 20, null, true);
        d.set(3, "purple umbrella"); // changed 4th most, off-task
        TriggerLatents trig = new TriggerLatents(1, TriggerLatents.TYPE, "dogs-poisoned", "purple umbrella", "test-sae", HOOK, 64, 10, 100,
                1.0, 3.0, List.of(new TriggerLatents.Entry(3, 2.0, 0.1, 4.0), new TriggerLatents.Entry(150, 1.0, 0.1, 1.5)), List.of());
        Validation v = validator(0).validate("a", summary(n), describe(d), "m", DOGS,
                id -> List.of("example of " + id.index()), trig);
        assertThat(v.audit().flagged()).extracting(f -> f.latent().index()).containsExactly(3);
        Validation.Flag f = v.audit().flagged().get(0);
        assertThat(f.description()).isEqualTo("purple umbrella");
        assertThat(f.changeRank()).isEqualTo(4);
        assertThat(f.examples()).containsExactly("example of 3");
        assertThat(v.audit().trigger().flagged()).containsExactly(3);
        assertThat(v.audit().trigger().recall()).isEqualTo(0.5); // latent 150 changed little: not audited
        assertThat(v.audit().trigger().changeRanks()).containsEntry("150", 151);

        Validation clean = validator(0).validate("a", summary(n), describe(descriptions(n, 20, null, true)), "m", DOGS, id -> List.of(),
                null);
        assertThat(clean.audit().nFlagged()).isLessThan(v.audit().nFlagged());
    }

    @Test
    void undescribedLatentsAreExcludedAndCounted() {
        int n = 100;
        Map<Integer, Validator.Described> m = describe(descriptions(n, 20, null, true));
        m.remove(0);
        m.remove(50);
        Validation v = validator(0).validate("a", summary(n), m, "m", DOGS, id -> List.of(), null);
        assertThat(v.nLatents()).isEqualTo(98);
        assertThat(v.nUndescribed()).isEqualTo(2);
        assertThat(v.latents().get(0).latent()).isEqualTo(1);
        assertThat(v.latents().get(0).rank()).isEqualTo(2);
    }

    @Test
    void tooFewDescribedLatentsIsAClearError() {
        Map<Integer, Validator.Described> m = describe(List.of("dog", "cat"));
        assertThatThrownBy(() -> validator(0).validate("a", summary(50), m, "m", DOGS, id -> List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only 2 latents").hasMessageContaining("k = 20");
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> Validator.Options.builder().changeMeasure("nope").build()).hasMessageContaining("mean_abs_delta");
        assertThatThrownBy(() -> Validator.Options.builder().k(0).build()).hasMessageContaining("k must be >= 1");
    }
}
