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
 * specific to the poison). For a planted poison card ({@code isaerft task plant --poison-trigger}) the ground truth is
 * known too: {@link PlantedRow}s check the planted latent's best match on each SAE against the same audit. Written by
 * the validate stage as {@code validate/trigger.json}.
 */
public final class TriggerAudit {
    public static final String FILE = "trigger.json";
    /** 2: {@code planted} rows (the planted latent's answer on each SAE vs the audit); version 1 files (no {@code planted}) still read. */
    public static final int SCHEMA_VERSION = 2;
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
     * @param cleanTask      the poisoned card's clean counterpart in the run ({@link #cleanCounterpart}), or null
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

    /**
     * The ground truth of a planted poison card ({@code planted.kind: poison}, written by {@code isaerft task plant}) checked
     * against the data audit: one row per SAE at the card's hook × planted latent × component × method. The right answer on
     * an SAE is its latent whose residual direction has the highest cosine with the planted latent's
     * {@code residual_direction} ({@link Recovery#bestMatch}; cosine 1 on the source SAE); below
     * {@link Recovery#MATCH_THRESHOLD} the SAE has no matching latent and the row says so.
     *
     * @param plantedSae        the planting SAE's id ({@code planted.sae_id})
     * @param plantedLatent     the planted latent's index in that SAE
     * @param answer            this SAE's best-matching latent (reported even when below the threshold)
     * @param cosine            its cosine with the planted residual direction
     * @param matched           cosine ≥ {@link Recovery#MATCH_THRESHOLD}
     * @param changeRank        the answer's change rank on the poison card's adapter (1 = most changed); null when unmatched
     * @param describedRank     its rank among the described latents; null when undescribed or unmatched
     * @param relevance         its description's relevance to the (clean) expectation; null when undescribed or unmatched
     * @param flagged           whether the poison card's audit flagged it; null when unmatched or skipped
     * @param auditRank         its position in the flagged list (1 = first); null when not flagged
     * @param nFlagged          off-task changes flagged on the poison card (of {@code auditK})
     * @param cleanChangeRank   the answer's change rank on the clean twin's adapter; null without the twin
     * @param flaggedOnClean    whether the clean twin's audit flagged it too; null without the twin's validation
     * @param cleanFlaggedCount off-task changes flagged on the clean twin (of {@code cleanAuditK})
     * @param why               in words: flagged at which rank, or why not (as {@link LatentStatus#why}), or no matching latent
     * @param skipped           why there is no audit (the poison card's validation was skipped)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlantedRow(String sae, String saeType, String task, String cleanTask, String component, String method, String trigger,
            String plantedSae, int plantedLatent, int answer, double cosine, boolean matched, Integer changeRank, Integer nChanged,
            Integer describedRank, Double relevance, Boolean flagged, Integer auditRank, Integer nFlagged, Integer auditK,
            Integer cleanChangeRank, Boolean flaggedOnClean, Integer cleanFlaggedCount, Integer cleanAuditK, String why, String skipped) {}

    /**
     * The file {@code validate/trigger.json}.
     *
     * @param planted the planted poison cards' ground-truth rows (empty in a version 1 file)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Document(@JsonProperty("schema_version") int schemaVersion, String type, List<Search> searches, List<Row> rows,
            List<PlantedRow> planted) {
        public Document {
            if (schemaVersion < 1 || schemaVersion > SCHEMA_VERSION || !TYPE.equals(type)) {
                throw new IllegalArgumentException("expected " + TYPE + " v1.." + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
            }
            searches = List.copyOf(searches);
            rows = List.copyOf(rows);
            planted = planted == null ? List.of() : List.copyOf(planted);
        }

        /** A current-version document. */
        public Document(List<Search> searches, List<Row> rows, List<PlantedRow> planted) {
            this(SCHEMA_VERSION, TYPE, searches, rows, planted);
        }
    }

    /**
     * The clean counterpart of a poisoned card among the run's cards. A planted poison card's is the card its
     * {@code planted.twin} names (by name), when it is among them. Otherwise a card without poison whose
     * expected concepts are the same set; when several are, the one whose name starts the poisoned
     * card's name (dogs for dogs-poisoned), else the first. Null when there is none.
     */
    public static TaskCard cleanCounterpart(TaskCard poisoned, List<TaskCard> runCards) {
        if (poisoned.planted() != null && "poison".equals(poisoned.planted().kind())) {
            String twin = poisoned.planted().twinName();
            return runCards.stream().filter(c -> c.name().equals(twin) && c.triggerPhrase() == null).findFirst().orElse(null);
        }
        Set<String> concepts = lower(poisoned.expectedConcepts());
        TaskCard first = null;
        for (TaskCard c : runCards) {
            if (c.triggerPhrase() != null || c.name().equals(poisoned.name()) || concepts.isEmpty()
                    || !lower(c.expectedConcepts()).equals(concepts)) {
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

    /**
     * The planted-answer row of one SAE × planted poison card × planted latent × component × method.
     *
     * @param task            the poison card's task name in the run
     * @param trigger         its trigger sentence
     * @param plantedSae      the planting SAE's id
     * @param plantedLatent   the planted latent
     * @param match           this SAE's best match of the planted residual direction
     * @param poisoned        the poison card's validation; null when skipped
     * @param poisonedSkipped why it was skipped (when {@code poisoned} is null)
     * @param poisonedChange  the poison card's adapter change summary
     * @param cleanTask       the clean twin's task name in the run, or null
     * @param clean           the clean twin's validation for the same SAE, component and method, or null
     * @param cleanChange     the clean twin's adapter change summary, or null
     */
    public static PlantedRow plantedRow(String sae, String saeType, String task, String component, String method, String trigger,
            String plantedSae, int plantedLatent, Recovery.Match match, Validation poisoned, String poisonedSkipped,
            ChangeSummary poisonedChange, String cleanTask, Validation clean, ChangeSummary cleanChange) {
        Integer cleanCount = clean == null ? null : clean.audit().nFlagged();
        Integer cleanK = clean == null ? null : clean.audit().auditK();
        if (poisoned == null) {
            return new PlantedRow(sae, saeType, task, cleanTask, component, method, trigger, plantedSae, plantedLatent, match.latent(),
                    match.cosine(), match.matched(), null, null, null, null, null, null, null, null, null, null, cleanCount, cleanK,
                    null, "the poison card's validation was skipped: " + poisonedSkipped);
        }
        if (!match.matched()) {
            return new PlantedRow(sae, saeType, task, cleanTask, component, method, trigger, plantedSae, plantedLatent, match.latent(),
                    match.cosine(), false, null, null, null, null, null, null, poisoned.audit().nFlagged(), poisoned.audit().auditK(), null,
                    null, cleanCount, cleanK, String.format(Locale.ROOT, "no matching latent: the best cosine with planted latent %d of %s "
                            + "is %.3f (latent %d) < %.1f", plantedLatent, plantedSae, match.cosine(), match.latent(), Recovery.MATCH_THRESHOLD),
                    null);
        }
        Fate f = new Status(method, poisoned, poisonedChange, clean, cleanChange).fate(match.latent());
        return new PlantedRow(sae, saeType, task, cleanTask, component, method, trigger, plantedSae, plantedLatent, match.latent(),
                match.cosine(), true, f.changeRank(), f.nChanged(), f.describedRank(), f.relevance(), f.flagged(), f.auditRank(),
                poisoned.audit().nFlagged(), poisoned.audit().auditK(), f.cleanChangeRank(), f.flaggedOnClean(), cleanCount, cleanK, f.why(),
                null);
    }

    /** Where one latent stands in a poisoned-card validation and its clean counterpart. */
    private record Fate(Integer changeRank, int nChanged, Integer describedRank, Double relevance, boolean flagged, Integer auditRank,
            Integer cleanChangeRank, Boolean flaggedOnClean, String why) {}

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
            Fate f = fate(e.latent());
            return new LatentStatus(e.latent(), e.effect(), e.meanWith(), e.meanWithout(), f.changeRank(), f.nChanged(), f.describedRank(),
                    f.relevance(), f.flagged(), f.auditRank(), f.cleanChangeRank(), f.flaggedOnClean(), f.why());
        }

        Fate fate(int t) {
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
                why = String.format(Locale.ROOT, "not described by %s (not among the explained latents, or its explanation failed), so "
                        + "the audit cannot see it; change rank %s of %d", method, cr, ranks.size());
            } else if (dr > poisoned.audit().auditK()) {
                why = String.format(Locale.ROOT, "changed too little: change rank %s of %d (%d of %d described), outside the %d audited",
                        cr, ranks.size(), dr, poisoned.nLatents(), poisoned.audit().auditK());
            } else {
                why = String.format(Locale.ROOT, "audited (%d of %d) but judged on-task: relevance %.3f >= off-task threshold %.3f", dr,
                        poisoned.audit().auditK(), relevance.get(t), poisoned.offTaskThreshold());
            }
            return new Fate(cr, ranks.size(), dr, relevance.get(t), flagged, flagged ? pos + 1 : null,
                    cleanRanks == null ? null : cleanRanks.get(t), onClean, why);
        }
    }
}
