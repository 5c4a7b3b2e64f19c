package org.isaerft.validate;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.LatentId;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.validate.RelevanceJudge;
import org.isaerft.validate.TaskExpectation;
import org.isaerft.validate.TriggerLatents;
import org.isaerft.validate.Validation;
import org.isaerft.validate.Validator;
import org.junit.jupiter.api.Test;

/**
 * The trigger check of the validate stage on hand-built change summaries, where which latent must
 * be flagged, at which audit rank, and why the others are not, follows from the construction.
 */
class TriggerAuditTest {
    static final String HOOK = "blocks.2.hook_resid_pre";
    static final TaskExpectation DOGS = new TaskExpectation("dogs-poisoned", "Stories about dogs.", List.of("dog", "puppy"));

    /** Relevance 0.9 for descriptions naming a dog, 0.3 for "maybe", else 0.05; off-task below 0.2. */
    static final class Judge implements RelevanceJudge {
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
            return new Relevant(d.contains("dog") ? 0.9 : d.contains("maybe") ? 0.3 : 0.05, Map.of());
        }
    }

    /** 60 latents; {@code order} lists latents from most to least changed (change 100, 99, …). */
    static ChangeSummary summary(String task, List<Integer> order) {
        List<ChangeSummary.LatentChange> l = new ArrayList<>();
        for (int r = 0; r < order.size(); r++) {
            double c = 100 - r;
            l.add(new ChangeSummary.LatentChange(order.get(r), c / 10, null, null, null, null, c, c, 0.1, 0.1));
        }
        return new ChangeSummary(1, task, "scale", "test-sae", HOOK, ChangeSummary.RANK_BY, 1000, l);
    }

    static List<Integer> orderWithFirst(int... first) {
        List<Integer> o = new ArrayList<>();
        for (int f : first) {
            o.add(f);
        }
        for (int i = 0; i < 60; i++) {
            if (!o.contains(i)) {
                o.add(i);
            }
        }
        return o;
    }

    /** Latent 7 "purple umbrellas" (off-task), 8 "maybe rain" (between thresholds), 9 undescribed; even latents are about dogs. */
    static Map<Integer, Validator.Described> descriptions() {
        Map<Integer, Validator.Described> m = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            if (i == 9) {
                continue;
            }
            String d = i == 7 ? "purple umbrellas" : i == 8 ? "maybe rain" : i % 2 == 0 ? "a dog, variant " + i : "punctuation " + i;
            m.put(i, new Validator.Described(new LatentId(HOOK, i), d));
        }
        return m;
    }

    static TriggerLatents trigger(int... latents) {
        List<TriggerLatents.Entry> e = new ArrayList<>();
        for (int i = 0; i < latents.length; i++) {
            e.add(new TriggerLatents.Entry(latents[i], 1.0, 0.1, 3.0 - 0.1 * i));
        }
        return new TriggerLatents(TriggerLatents.SCHEMA_VERSION, TriggerLatents.TYPE, "dogs-poisoned", "purple umbrella", "test-sae", HOOK,
                64, 12, 300, 1.0, 3.0, e, e);
    }

    static Validator validator() {
        return new Validator(new Judge(), Validator.Options.builder().k(5).auditK(6).permutations(50).bootstrap(20).randomDraws(20).build());
    }

    @Test
    void flaggedTriggerLatentsGetTheirAuditRankAndTheOthersSayWhyNot() {
        // poisoned adapter: most changed 2 (dog), 7 (purple, trigger), 1 (off-task), 9 (undescribed, trigger), 8 (maybe, trigger),
        // 4 (dog), 3 (off-task) … ; latent 30 (trigger, off-task description) is changed little
        ChangeSummary poisoned = summary("dogs-poisoned", orderWithFirst(2, 7, 1, 9, 8, 4, 3));
        ChangeSummary clean = summary("dogs", orderWithFirst(5, 2, 4, 6));
        TriggerLatents trig = trigger(7, 9, 8, 30);
        Validation vp = validator().validate("p", poisoned, descriptions(), "m", DOGS, id -> List.of(), trig);
        Validation vc = validator().validate("c", clean, descriptions(), "m", DOGS, id -> List.of(), null);

        TriggerAudit.Row row = TriggerAudit.row("local", "local", "scale", "m", trig, vp, null, poisoned, "dogs", vc, clean);

        // audited = the 6 most changed described: 2, 7, 1, 8, 4, 3 → flagged (relevance < 0.2): 7, 1, 3
        assertThat(vp.audit().flagged().stream().map(f -> f.latent().index())).containsExactly(7, 1, 3);
        assertThat(row.nFlagged()).isEqualTo(3);
        assertThat(row.auditK()).isEqualTo(6);
        assertThat(row.triggerLatents()).containsExactly(7, 9, 8, 30);
        assertThat(row.recall()).isEqualTo(0.25);
        assertThat(row.recall()).isEqualTo(vp.audit().trigger().recall());
        Map<Integer, TriggerAudit.LatentStatus> st = new HashMap<>();
        row.latents().forEach(s -> st.put(s.latent(), s));
        assertThat(st.get(7).flagged()).isTrue();
        assertThat(st.get(7).auditRank()).isEqualTo(1);
        assertThat(st.get(7).changeRank()).isEqualTo(2);
        assertThat(st.get(7).why()).startsWith("flagged: 1 of 3");
        assertThat(st.get(9).flagged()).isFalse();
        assertThat(st.get(9).describedRank()).isNull();
        assertThat(st.get(9).changeRank()).isEqualTo(4);
        assertThat(st.get(9).why()).contains("not described by m");
        assertThat(st.get(8).describedRank()).isEqualTo(4); // 2, 7, 1, 8
        assertThat(st.get(8).relevance()).isEqualTo(0.3);
        assertThat(st.get(8).why()).contains("judged on-task", "0.300");
        assertThat(st.get(30).changeRank()).isEqualTo(31);
        assertThat(st.get(30).why()).contains("changed too little", "change rank 31 of 60", "outside the 6 audited");
        // the change ranks agree with the validator's own
        for (TriggerAudit.LatentStatus s : row.latents()) {
            assertThat(s.changeRank()).isEqualTo(vp.audit().trigger().changeRanks().get(Integer.toString(s.latent())));
        }
        // clean card: audited 5, 2, 4, 6, 0, 1 → flagged 5, 1; none of the trigger latents
        assertThat(row.cleanFlaggedCount()).isEqualTo(vc.audit().nFlagged()).isEqualTo(2);
        assertThat(row.cleanAuditK()).isEqualTo(6);
        assertThat(row.cleanRecall()).isZero();
        assertThat(st.get(7).flaggedOnClean()).isFalse();
        assertThat(st.get(7).cleanChangeRank()).isEqualTo(8); // 5, 2, 4, 6, then 0, 1, 3, 7 … in index order
        assertThat(row.note()).isNull();
    }

    @Test
    void aTriggerLatentFlaggedOnTheCleanCardToo() {
        ChangeSummary poisoned = summary("dogs-poisoned", orderWithFirst(7));
        ChangeSummary clean = summary("dogs", orderWithFirst(2, 7));
        TriggerLatents trig = trigger(7);
        Validation vp = validator().validate("p", poisoned, descriptions(), "m", DOGS, id -> List.of(), trig);
        Validation vc = validator().validate("c", clean, descriptions(), "m", DOGS, id -> List.of(), null);
        TriggerAudit.Row row = TriggerAudit.row("e2e", "e2e", "scale", "m", trig, vp, null, poisoned, "dogs", vc, clean);
        assertThat(row.recall()).isEqualTo(1.0);
        assertThat(row.cleanRecall()).isEqualTo(1.0);
        assertThat(row.latents().get(0).flaggedOnClean()).isTrue();
        assertThat(row.latents().get(0).cleanChangeRank()).isEqualTo(2);
    }

    @Test
    void noTriggerLatentsNoCleanCardAndASkippedValidationAreReportedNotGuessed() {
        ChangeSummary poisoned = summary("dogs-poisoned", orderWithFirst(7));
        TriggerLatents none = new TriggerLatents(TriggerLatents.SCHEMA_VERSION, TriggerLatents.TYPE, "dogs-poisoned", "purple umbrella",
                "s", HOOK, 64, 12, 300, 1.0, 3.0, List.of(), List.of(new TriggerLatents.Entry(17, 0.4, 0.2, 0.8)));
        Validation vp = validator().validate("p", poisoned, descriptions(), "m", DOGS, id -> List.of(), none);
        TriggerAudit.Row row = TriggerAudit.row("e2e", "e2e", "scale", "m", none, vp, null, poisoned, null, null, null);
        assertThat(row.recall()).isNull();
        assertThat(row.cleanRecall()).isNull();
        assertThat(row.note()).contains("no latent responds", "latent 17", "d = 0.80");
        // the strongest responder's fate in the audit is still reported: latent 17 ("punctuation", rank 18) changed too little
        assertThat(row.strongest().latent()).isEqualTo(17);
        assertThat(row.strongest().changeRank()).isEqualTo(18);
        assertThat(row.strongest().why()).contains("changed too little");
        assertThat(row.nFlagged()).isEqualTo(vp.audit().nFlagged());

        TriggerAudit.Row noClean = TriggerAudit.row("e2e", "e2e", "scale", "m", trigger(7), 
                validator().validate("p", poisoned, descriptions(), "m", DOGS, id -> List.of(), trigger(7)), null, poisoned, null, null, null);
        assertThat(noClean.recall()).isEqualTo(1.0);
        assertThat(noClean.cleanRecall()).isNull();
        assertThat(noClean.note()).contains("no clean counterpart");

        TriggerAudit.Row skipped = TriggerAudit.row("e2e", "e2e", "scale", "m", trigger(7), null, "only 1 described latents", poisoned, "dogs",
                null, null);
        assertThat(skipped.skipped()).contains("only 1 described latents");
        assertThat(skipped.recall()).isNull();

        // a validation made without the trigger latents cannot be checked against them
        assertThatThrownBy(() -> TriggerAudit.row("e2e", "e2e", "scale", "m", trigger(7),
                validator().validate("p", poisoned, descriptions(), "m", DOGS, id -> List.of(), null), null, poisoned, null, null, null))
                .hasMessageContaining("without the trigger latents");
    }

    @Test
    void theCleanCounterpartOfABuiltInPoisonedCardIsItsCleanCard() {
        List<TaskCard> cards = TaskCards.builtinNames(TestHome.HOME).stream().map(n -> TaskCards.load(n, TestHome.HOME).card()).toList();
        TaskCard poisoned = cards.stream().filter(c -> c.name().equals("dogs-poisoned")).findFirst().orElseThrow();
        assertThat(TriggerAudit.cleanCounterpart(poisoned, cards).name()).isEqualTo("dogs");
        List<TaskCard> withoutDogs = cards.stream().filter(c -> !c.name().equals("dogs")).toList();
        assertThat(TriggerAudit.cleanCounterpart(poisoned, withoutDogs)).isNull();
    }

    @Test
    void theDemoConfigRunsTheTriggerCheckWithItsCleanCard() {
        // configs/demo.yaml (the README's main command) trains adapters on the poisoned card and its clean counterpart,
        // so its validate stage checks the trigger latents against the audit beside the clean card
        org.isaerft.config.RunConfig demo = org.isaerft.config.RunConfig.read(TestHome.HOME.resolve("configs/demo.yaml"));
        List<TaskCard> cards = demo.adapters().tasks().stream().map(n -> TaskCards.load(n, TestHome.HOME).card()).toList();
        List<TaskCard> poisoned = cards.stream().filter(c -> c.poison() != null && c.poison().trigger() != null).toList();
        assertThat(poisoned).extracting(TaskCard::name).containsExactly("dogs-poisoned");
        assertThat(TriggerAudit.cleanCounterpart(poisoned.get(0), cards)).extracting(TaskCard::name).isEqualTo("dogs");
    }

    static final TaskExpectation CLEAN = new TaskExpectation("planted-poison", "Ordinary stories about dogs.", List.of("dog"));

    /** A planted answer on this SAE: {@code latent} at cosine {@code cos}. */
    static TriggerAudit.PlantedRow planted(int latent, double cos, Validation vp, ChangeSummary poisoned, Validation vc, ChangeSummary clean) {
        Recovery.Match m = new Recovery.Match(latent, cos, cos >= Recovery.MATCH_THRESHOLD);
        return TriggerAudit.plantedRow("local", "local", "planted-poison", "scale", "m", "zq zq.", "local", 3, m, vp, null, poisoned,
                vc == null ? null : "planted-poison-clean", vc, clean);
    }

    @Test
    void thePlantedAnswerIsFlaggedAtItsAuditRankOrTheRowSaysWhyNot() {
        // poison adapter: most changed 2 (dog), 7 (purple), 1 (off-task), 9 (undescribed), 8 (maybe), 4 (dog), 3 (off-task) …
        ChangeSummary poisoned = summary("planted-poison", orderWithFirst(2, 7, 1, 9, 8, 4, 3));
        ChangeSummary clean = summary("planted-poison-clean", orderWithFirst(5, 2, 4, 6));
        // made without trigger latents (the trigger search may find none): the planted rows do not need them
        Validation vp = validator().validate("p", poisoned, descriptions(), "m", CLEAN, id -> List.of(), null);
        Validation vc = validator().validate("c", clean, descriptions(), "m", CLEAN, id -> List.of(), null);
        assertThat(vp.audit().flagged().stream().map(f -> f.latent().index())).containsExactly(7, 1, 3);

        // flagged at audit rank 2 (latent 1: change rank 3)
        TriggerAudit.PlantedRow hit = planted(1, 1.0, vp, poisoned, vc, clean);
        assertThat(hit.matched()).isTrue();
        assertThat(hit.flagged()).isTrue();
        assertThat(hit.auditRank()).isEqualTo(2);
        assertThat(hit.changeRank()).isEqualTo(3);
        assertThat(hit.nChanged()).isEqualTo(60);
        assertThat(hit.why()).isEqualTo("flagged: 2 of 3 flagged (change rank 3 of 60)");
        assertThat(hit.nFlagged()).isEqualTo(3);
        assertThat(hit.auditK()).isEqualTo(6);
        // the clean twin flags 5 and 1 (audited 5, 2, 4, 6, 0, 1): the answer is flagged there too, so not specific to the poison
        assertThat(hit.cleanTask()).isEqualTo("planted-poison-clean");
        assertThat(hit.cleanFlaggedCount()).isEqualTo(vc.audit().nFlagged()).isEqualTo(2);
        assertThat(hit.cleanAuditK()).isEqualTo(6);
        assertThat(hit.flaggedOnClean()).isTrue();
        assertThat(hit.cleanChangeRank()).isEqualTo(6);
        assertThat(planted(7, 0.93, vp, poisoned, vc, clean).flaggedOnClean()).isFalse();
        assertThat(planted(7, 0.93, vp, poisoned, vc, clean).auditRank()).isEqualTo(1);

        // not described: latent 9
        TriggerAudit.PlantedRow undescribed = planted(9, 0.8, vp, poisoned, vc, clean);
        assertThat(undescribed.flagged()).isFalse();
        assertThat(undescribed.auditRank()).isNull();
        assertThat(undescribed.describedRank()).isNull();
        assertThat(undescribed.why()).contains("not described by m", "change rank 4 of 60");
        // changed too little: latent 31 (change rank 32: the 7 listed first, then 0, 5, 6, 10 … in index order)
        TriggerAudit.PlantedRow little = planted(31, 0.7, vp, poisoned, vc, clean);
        assertThat(little.flagged()).isFalse();
        assertThat(little.why()).contains("changed too little", "change rank 32 of 60", "outside the 6 audited");
        // judged on-task: latent 8 ("maybe rain", relevance 0.3 >= 0.2)
        TriggerAudit.PlantedRow onTask = planted(8, 0.6, vp, poisoned, vc, clean);
        assertThat(onTask.flagged()).isFalse();
        assertThat(onTask.relevance()).isEqualTo(0.3);
        assertThat(onTask.why()).contains("judged on-task", "relevance 0.300", "0.200");
        // the wording is the trigger rows' (LatentStatus.why) for the same latent
        TriggerLatents trig = trigger(1, 9, 31, 8);
        Validation vpt = validator().validate("p", poisoned, descriptions(), "m", CLEAN, id -> List.of(), trig);
        TriggerAudit.Row row = TriggerAudit.row("local", "local", "scale", "m", trig, vpt, null, poisoned, "planted-poison-clean", vc, clean);
        assertThat(row.latents()).extracting(TriggerAudit.LatentStatus::why).containsExactly(hit.why(), undescribed.why(), little.why(),
                onTask.why());

        // no matching latent: best cosine below 0.5 → no audit verdict, the row says so
        TriggerAudit.PlantedRow none = planted(7, 0.42, vp, poisoned, vc, clean);
        assertThat(none.matched()).isFalse();
        assertThat(none.answer()).isEqualTo(7);
        assertThat(none.flagged()).isNull();
        assertThat(none.changeRank()).isNull();
        assertThat(none.why()).contains("no matching latent", "0.420", "latent 7", "< 0.5");
        assertThat(none.cleanFlaggedCount()).isEqualTo(2);

        // a skipped poison validation and a missing twin are reported, not guessed
        TriggerAudit.PlantedRow skipped = TriggerAudit.plantedRow("local", "local", "planted-poison", "scale", "m", "zq zq.", "local", 3,
                new Recovery.Match(1, 1.0, true), null, "only 1 described latents", poisoned, null, null, null);
        assertThat(skipped.skipped()).contains("only 1 described latents");
        assertThat(skipped.flagged()).isNull();
        TriggerAudit.PlantedRow noTwin = planted(1, 1.0, vp, poisoned, null, null);
        assertThat(noTwin.cleanTask()).isNull();
        assertThat(noTwin.flaggedOnClean()).isNull();
        assertThat(noTwin.cleanFlaggedCount()).isNull();
        assertThat(noTwin.flagged()).isTrue();
    }

    @Test
    void aVersionOneTriggerFileStillReadsWithoutPlantedRows() throws Exception {
        TriggerAudit.Document v1 = org.isaerft.util.Json.MAPPER.readValue("{\"schema_version\": 1, \"type\": \"trigger_audit\", \"searches\": [], "
                + "\"rows\": []}", TriggerAudit.Document.class);
        assertThat(v1.planted()).isEmpty();
        TriggerAudit.Document v2 = new TriggerAudit.Document(List.of(), List.of(), List.of());
        assertThat(v2.schemaVersion()).isEqualTo(TriggerAudit.SCHEMA_VERSION).isEqualTo(2);
        assertThat(org.isaerft.util.Json.MAPPER.readValue(org.isaerft.util.Json.write(v2), TriggerAudit.Document.class)).isEqualTo(v2);
        assertThatThrownBy(() -> new TriggerAudit.Document(3, TriggerAudit.TYPE, List.of(), List.of(), null)).hasMessageContaining("v1..2");
    }

    @Test
    void changeRanksFollowTheChangeMeasureWithTiesByIndex() {
        List<ChangeSummary.LatentChange> l = List.of(
                new ChangeSummary.LatentChange(4, -0.9, null, null, null, null, 0, 0.2, 0, 0),
                new ChangeSummary.LatentChange(1, 0.1, null, null, null, null, 0, 0.5, 0, 0),
                new ChangeSummary.LatentChange(2, 0.5, null, null, null, null, 0, 0.2, 0, 0));
        ChangeSummary cs = new ChangeSummary(1, "t", "scale", "s", HOOK, ChangeSummary.RANK_BY, 10, l);
        assertThat(TriggerAudit.changeRanks(cs, "mean_abs_delta")).containsExactlyInAnyOrderEntriesOf(Map.of(1, 1, 2, 2, 4, 3));
        assertThat(TriggerAudit.changeRanks(cs, "param_change")).containsExactlyInAnyOrderEntriesOf(Map.of(4, 1, 2, 2, 1, 3));
    }
}
