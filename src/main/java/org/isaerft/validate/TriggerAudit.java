package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskCard;

/**
 * The data audit checked against a planted poison (issue 8's acceptance evidence): for every SAE and
 * every task card with a trigger phrase, the trigger latents found from model + SAE activations
 * ({@link TriggerLatents}, never from descriptions) against the poisoned card's flagged off-task
 * changes — recall, each trigger latent's rank in the audit list, and, when it was not flagged, why
 * not (undescribed, changed too little, or judged on-task) — with the clean card's audit beside it:
 * its flagged count, and whether the same latents are flagged there too (then the flag is not
 * specific to the poison). Written by the validate stage as {@code validate/trigger.json}.
 */
public final class TriggerAudit {
    public static final String FILE = "trigger.json";
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "trigger_audit";

    private TriggerAudit() {}

    /**
     * The trigger-latent search of one SAE on one poisoned card: the result, or why there is none.
     *
     * @param file the {@code trigger_latents} file (relative to the validate folder), when searched
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Search(String sae, String task, String trigger, String file, TriggerLatents result, String skipped) {
        public Search {
            if ((result == null) == (skipped == null)) {
                throw new IllegalArgumentException("trigger search " + sae + "/" + task + ": exactly one of result and skipped must be set");
            }
        }
    }

    /**
     * One trigger latent in one validation (SAE × poisoned card × component × method).
     *
     * @param changeRank      rank of its activation change on the poisoned card's adapter (1 = most changed) among all latents
     * @param nChanged        latents in that adapter's change summary
     * @param describedRank   its rank among the described latents (the audit's population); null when undescribed
     * @param relevance       its description's relevance to the task; null when undescribed
     * @param flagged         whether the poisoned card's audit flagged it as an off-task change
     * @param auditRank       its position in the flagged list (1 = first); null when not flagged
     * @param cleanChangeRank its change rank on the clean card's adapter; null without a clean card
     * @param flaggedOnClean  whether the clean card's audit flagged it too; null without a clean card's validation
     * @param why             in words: flagged at which rank, or why not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LatentStatus(int latent, double effect, double meanWith, double meanWithout, Integer changeRank, int nChanged,
            Integer describedRank, Double relevance, boolean flagged, Integer auditRank, Integer cleanChangeRank, Boolean flaggedOnClean,
            String why) {}

    /**
     * One row: SAE × poisoned card × component × method.
     *
     * @param cleanTask      the poisoned card's clean counterpart in the run (same expected concepts, no poison), or null
     * @param nFlagged       off-task changes flagged on the poisoned card (of {@code auditK} audited)
     * @param recall         flagged trigger latents / trigger latents; null when no trigger latent was found
     * @param cleanFlaggedCount  off-task changes flagged on the clean card (of {@code cleanAuditK})
     * @param cleanRecall    trigger latents flagged on the clean card / trigger latents (a specificity control)
     * @param strongest      when no latent passed the thresholds: the latent with the largest effect, and its fate in the audit
     * @param note           why the row has no recall or no clean comparison, when so
     * @param skipped        why there is no row (the poisoned card's validation was skipped)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String sae, String saeType, String task, String cleanTask, String component, String method, String trigger,
            List<Integer> triggerLatents, Integer nFlagged, Integer auditK, Double recall, Integer cleanFlaggedCount, Integer cleanAuditK,
            Double cleanRecall, List<LatentStatus> latents, LatentStatus strongest, String note, String skipped) {
        public Row {
            triggerLatents = triggerLatents == null ? List.of() : List.copyOf(triggerLatents);
            latents = latents == null ? List.of() : List.copyOf(latents);
        }
    }

    /** The file {@code validate/trigger.json}. */
    public record Document(@JsonProperty("schema_version") int schemaVersion, String type, List<Search> searches, List<Row> rows) {
        public Document {
            if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
                throw new IllegalArgumentException("expected " + TYPE + " v" + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
            }
            searches = List.copyOf(searches);
            rows = List.copyOf(rows);
        }
    }

    /**
     * The clean counterpart of a poisoned card among the run's cards: a card without poison whose
     * expected concepts are the same set; when several are, the one whose name starts the poisoned
     * card's name (dogs for dogs-poisoned), else the first. Null when there is none.
     */
    public static TaskCard cleanCounterpart(TaskCard poisoned, List<TaskCard> runCards) {
        Set<String> concepts = lower(poisoned.expectedConcepts());
        TaskCard first = null;
        for (TaskCard c : runCards) {
            if (c.poison() != null || c.name().equals(poisoned.name()) || concepts.isEmpty() || !lower(c.expectedConcepts()).equals(concepts)) {
                continue;
            }
            if (poisoned.name().startsWith(c.name())) {
                return c;
            }
            first = first == null ? c : first;
        }
        return first;
    }

    private static Set<String> lower(List<String> l) {
        Set<String> s = new HashSet<>();
        l.forEach(x -> s.add(x.toLowerCase(Locale.ROOT).trim()));
        return s;
    }

    /**
     * Change rank of every latent of a summary (1 = most changed) by the validation's change measure,
     * ties by latent index — the order {@link org.isaerft.validate.Validator} ranks by.
     */
    public static Map<Integer, Integer> changeRanks(ChangeSummary summary, String changeMeasure) {
        boolean param = "param_change".equals(changeMeasure);
        List<ChangeSummary.LatentChange> l = new ArrayList<>(summary.latents());
        l.sort((a, b) -> {
            int c = param ? Double.compare(Math.abs(b.paramChange()), Math.abs(a.paramChange())) : Double.compare(b.meanAbsDelta(), a.meanAbsDelta());
            return c != 0 ? c : Integer.compare(a.latent(), b.latent());
        });
        Map<Integer, Integer> r = new HashMap<>();
        for (int i = 0; i < l.size(); i++) {
            r.put(l.get(i).latent(), i + 1);
        }
        return r;
    }

    /**
     * The row of one SAE × poisoned card × component × method.
     *
     * @param trig            the SAE's trigger latents on the poisoned card
     * @param poisoned        the poisoned card's validation (made with {@code trig}); null when skipped
     * @param poisonedSkipped why the poisoned card's validation was skipped (when {@code poisoned} is null)
     * @param poisonedChange  the poisoned card's adapter change summary
     * @param cleanTask       the clean counterpart's name, or null
     * @param clean           the clean card's validation for the same SAE, component and method, or null
     * @param cleanChange     the clean card's adapter change summary, or null
     */
    public static Row row(String sae, String saeType, String component, String method, TriggerLatents trig, Validation poisoned,
            String poisonedSkipped, ChangeSummary poisonedChange, String cleanTask, Validation clean, ChangeSummary cleanChange) {
        List<Integer> tl = trig.latentIndices();
        if (poisoned == null) {
            return new Row(sae, saeType, trig.task(), cleanTask, component, method, trig.trigger(), tl, null, null, null, null, null, null,
                    List.of(), null, null, "the poisoned card's validation was skipped: " + poisonedSkipped);
        }
        if (poisoned.audit().trigger() == null) {
            throw new IllegalArgumentException("validation " + poisoned.adapter() + "/" + method + " was made without the trigger latents");
        }
        Status st = new Status(method, poisoned, poisonedChange, clean, cleanChange);
        List<LatentStatus> statuses = new ArrayList<>();
        int hit = 0;
        int hitClean = 0;
        for (TriggerLatents.Entry e : trig.latents()) {
            LatentStatus ls = st.of(e);
            statuses.add(ls);
            hit += ls.flagged() ? 1 : 0;
            hitClean += Boolean.TRUE.equals(ls.flaggedOnClean()) ? 1 : 0;
        }
        LatentStatus strongest = tl.isEmpty() && !trig.topByEffect().isEmpty() ? st.of(trig.topByEffect().get(0)) : null;
        String note = null;
        if (tl.isEmpty()) {
            TriggerLatents.Entry top = trig.topByEffect().isEmpty() ? null : trig.topByEffect().get(0);
            note = String.format(Locale.ROOT, "no latent responds to '%s' with effect d >= %.2f and mean ratio >= %.1f%s", trig.trigger(),
                    trig.minEffect(), trig.minRatio(), top == null ? "" : String.format(Locale.ROOT,
                            " (largest effect: latent %d, d = %.2f, mean %.3f with vs %.3f without)", top.latent(), top.effect(),
                            top.meanWith(), top.meanWithout()));
        } else if (cleanTask == null) {
            note = "no clean counterpart of " + trig.task() + " among the run's cards";
        } else if (clean == null) {
            note = "the clean card's validation was skipped";
        }
        Double recall = tl.isEmpty() ? null : (double) hit / tl.size();
        Double cleanRecall = tl.isEmpty() || clean == null ? null : (double) hitClean / tl.size();
        return new Row(sae, saeType, trig.task(), cleanTask, component, method, trig.trigger(), tl, poisoned.audit().nFlagged(),
                poisoned.audit().auditK(), recall, clean == null ? null : clean.audit().nFlagged(), clean == null ? null : clean.audit().auditK(),
                cleanRecall, statuses, strongest, note, null);
    }

    /** Where latents stand in one poisoned-card validation and its clean counterpart. */
    private static final class Status {
        final String method;
        final Validation poisoned;
        final Validation clean;
        final Map<Integer, Integer> ranks;
        final Map<Integer, Integer> cleanRanks;
        final Map<Integer, Integer> describedRank = new HashMap<>();
        final Map<Integer, Double> relevance = new HashMap<>();
        final List<Integer> flaggedOrder;
        final Set<Integer> cleanFlagged = new HashSet<>();

        Status(String method, Validation poisoned, ChangeSummary poisonedChange, Validation clean, ChangeSummary cleanChange) {
            this.method = method;
            this.poisoned = poisoned;
            this.clean = clean;
            ranks = changeRanks(poisonedChange, poisoned.changeMeasure());
            cleanRanks = cleanChange == null ? null : changeRanks(cleanChange, poisoned.changeMeasure());
            for (int i = 0; i < poisoned.latents().size(); i++) { // rows are in change order
                describedRank.put(poisoned.latents().get(i).latent(), i + 1);
                relevance.put(poisoned.latents().get(i).latent(), poisoned.latents().get(i).relevance());
            }
            flaggedOrder = poisoned.audit().flagged().stream().map(f -> f.latent().index()).toList();
            if (clean != null) {
                clean.audit().flagged().forEach(f -> cleanFlagged.add(f.latent().index()));
            }
        }

        LatentStatus of(TriggerLatents.Entry e) {
            int t = e.latent();
            int pos = flaggedOrder.indexOf(t);
            boolean flagged = pos >= 0;
            Boolean onClean = clean == null ? null : cleanFlagged.contains(t);
            Integer cr = ranks.get(t);
            Integer dr = describedRank.get(t);
            String why;
            if (flagged) {
                why = String.format(Locale.ROOT, "flagged: %d of %d flagged (change rank %d of %d)", pos + 1, flaggedOrder.size(), cr,
                        ranks.size());
            } else if (dr == null) {
                why = String.format(Locale.ROOT, "not described by %s (not among the explained latents), so the audit cannot see it; "
                        + "change rank %s of %d", method, cr, ranks.size());
            } else if (dr > poisoned.audit().auditK()) {
                why = String.format(Locale.ROOT, "changed too little: change rank %s of %d (%d of %d described), outside the %d audited",
                        cr, ranks.size(), dr, poisoned.nLatents(), poisoned.audit().auditK());
            } else {
                why = String.format(Locale.ROOT, "audited (%d of %d) but judged on-task: relevance %.3f >= off-task threshold %.3f", dr,
                        poisoned.audit().auditK(), relevance.get(t), poisoned.offTaskThreshold());
            }
            return new LatentStatus(t, e.effect(), e.meanWith(), e.meanWithout(), cr, ranks.size(), dr, relevance.get(t), flagged,
                    flagged ? pos + 1 : null, cleanRanks == null ? null : cleanRanks.get(t), onClean, why);
        }
    }
}
