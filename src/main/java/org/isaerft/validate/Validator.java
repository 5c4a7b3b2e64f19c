package org.isaerft.validate;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.isaerft.activations.LatentId;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.score.ScoreMath;

/**
 * Validates an interpretation method against an adapter's change summary: judges each described
 * latent's relevance to the task, then computes {@link RankStats} for the method, a
 * shuffled-description control and a random-latent control, and audits the most-changed latents
 * for off-task changes.
 *
 * <p>Population: the latents of the change summary that have a description (undescribed and
 * judge-failed latents are counted and excluded). "Top-k" = the k most changed of that
 * population by the change measure ({@code mean_abs_delta}, the measured activation change, by
 * default; {@code param_change} uses |parameter change|).
 */
public final class Validator {
    /** Change measures a validation can rank by. */
    public static final List<String> CHANGE_MEASURES = List.of("mean_abs_delta", "param_change");

    /** Options; build with {@link #builder()}. */
    public record Options(int k, int auditK, int permutations, int bootstrap, int randomDraws, long seed, String changeMeasure) {
        public Options {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, found " + k);
            }
            if (auditK < 1) {
                throw new IllegalArgumentException("audit k must be >= 1, found " + auditK);
            }
            if (permutations < 1 || bootstrap < 1 || randomDraws < 1) {
                throw new IllegalArgumentException("permutations, bootstrap resamples and random draws must be >= 1");
            }
            if (!CHANGE_MEASURES.contains(changeMeasure)) {
                throw new IllegalArgumentException("change measure: expected one of " + CHANGE_MEASURES + ", found '" + changeMeasure + "'");
            }
        }

        public static Builder builder() {
            return new Builder();
        }
    }

    /** Builder with the defaults k = 20, audit k = 20, 1000 permutations, 1000 bootstrap resamples, 1000 random draws, seed 0. */
    public static final class Builder {
        private int k = 20;
        private int auditK = 20;
        private int permutations = 1000;
        private int bootstrap = 1000;
        private int randomDraws = 1000;
        private long seed = 0;
        private String changeMeasure = "mean_abs_delta";

        public Builder k(int v) { k = v; return this; }
        public Builder auditK(int v) { auditK = v; return this; }
        public Builder permutations(int v) { permutations = v; return this; }
        public Builder bootstrap(int v) { bootstrap = v; return this; }
        public Builder randomDraws(int v) { randomDraws = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder changeMeasure(String v) { changeMeasure = v; return this; }

        public Options build() {
            return new Options(k, auditK, permutations, bootstrap, randomDraws, seed, changeMeasure);
        }
    }

    /** One described latent: its id and its description by the method under validation. */
    public record Described(LatentId id, String description) {}

    private final RelevanceJudge judge;
    private final Options options;
    private final Map<String, RelevanceJudge.Judgement> judged = new HashMap<>();

    public Validator(RelevanceJudge judge, Options options) {
        this.judge = judge;
        this.options = options;
    }

    /** The judge's verdict on a description for a task, cached per (task, description). */
    public RelevanceJudge.Judgement relevance(String description, TaskExpectation task) {
        return judged.computeIfAbsent(task.description() + "\u0000" + String.join("\u0001", task.concepts()) + "\u0000" + description,
                k -> judge.judge(description, task));
    }

    /**
     * @param adapterName   the adapter's name (directory)
     * @param summary       the adapter's change summary
     * @param descriptions  latent index → the method's description (latents without one are excluded)
     * @param method        the method's name
     * @param task          the task expectation
     * @param examples      latent → example snippets for flagged latents (may return an empty list)
     * @param trigger       independently identified trigger latents (null when the card has no poison)
     */
    public Validation validate(String adapterName, ChangeSummary summary, Map<Integer, Described> descriptions, String method,
            TaskExpectation task, Function<LatentId, List<String>> examples, TriggerLatents trigger) {
        List<ChangeSummary.LatentChange> ranked = new ArrayList<>(summary.latents());
        ranked.sort((a, b) -> {
            int c = Double.compare(change(b), change(a));
            return c != 0 ? c : Integer.compare(a.latent(), b.latent());
        });
        List<ChangeSummary.LatentChange> pop = new ArrayList<>();
        List<Described> popDesc = new ArrayList<>();
        List<Double> rel = new ArrayList<>();
        Map<Integer, Integer> overallRank = new HashMap<>();
        int undescribed = 0;
        int failures = 0;
        for (int i = 0; i < ranked.size(); i++) {
            ChangeSummary.LatentChange lc = ranked.get(i);
            overallRank.put(lc.latent(), i + 1);
            Described d = descriptions.get(lc.latent());
            if (d == null) {
                undescribed++;
                continue;
            }
            RelevanceJudge.Judgement j = relevance(d.description(), task);
            if (j instanceof RelevanceJudge.Relevant r) {
                pop.add(lc);
                popDesc.add(d);
                rel.add(r.relevance());
            } else {
                failures++;
            }
        }
        int n = pop.size();
        if (n <= options.k()) {
            throw new IllegalArgumentException("validation of " + method + " on " + adapterName + ": only " + n
                    + " latents have a rated description (" + undescribed + " undescribed, " + failures
                    + " judge failures); need more than k = " + options.k());
        }
        double[] relevance = rel.stream().mapToDouble(Double::doubleValue).toArray();
        double[] change = pop.stream().mapToDouble(this::change).toArray();
        boolean[] top = new boolean[n];
        for (int i = 0; i < options.k(); i++) {
            top[i] = true; // pop is in change order
        }
        long seed = options.seed();
        Validation.Stats stats = stats(relevance, change, top, ScoreMath.seedFor(seed, "method"));
        int[] perm = ScoreMath.derangement(n, ScoreMath.seedFor(seed, "shuffled"));
        double[] shuffledRel = new double[n];
        for (int i = 0; i < n; i++) {
            shuffledRel[i] = relevance[perm[i]];
        }
        Validation.Stats shuffled = stats(shuffledRel, change, top, ScoreMath.seedFor(seed, "shuffled-stats"));
        Validation.RandomLatentControl random = randomLatents(relevance, ScoreMath.seedFor(seed, "random-latents"));

        // data audit: the most changed latents whose description does not match the task
        List<Validation.Flag> flags = new ArrayList<>();
        int auditK = Math.min(options.auditK(), n);
        for (int i = 0; i < auditK; i++) {
            if (relevance[i] < judge.offTaskThreshold()) {
                ChangeSummary.LatentChange lc = pop.get(i);
                LatentId id = popDesc.get(i).id();
                flags.add(new Validation.Flag(id, overallRank.get(lc.latent()), change[i], lc.meanDelta(), relevance[i],
                        popDesc.get(i).description(), examples.apply(id)));
            }
        }
        Validation.TriggerCheck check = null;
        if (trigger != null) {
            Map<Integer, Integer> popIndex = new HashMap<>();
            for (int i = 0; i < n; i++) {
                popIndex.put(pop.get(i).latent(), i);
            }
            Set<Integer> flaggedIdx = new java.util.HashSet<>();
            flags.forEach(f -> flaggedIdx.add(f.latent().index()));
            Map<String, Integer> ranks = new LinkedHashMap<>();
            Map<String, Double> rels = new LinkedHashMap<>();
            List<Integer> hit = new ArrayList<>();
            for (int t : trigger.latentIndices()) {
                ranks.put(Integer.toString(t), overallRank.get(t));
                Integer pi = popIndex.get(t);
                rels.put(Integer.toString(t), pi == null ? null : relevance[pi]);
                if (flaggedIdx.contains(t)) {
                    hit.add(t);
                }
            }
            int nt = trigger.latentIndices().size();
            check = new Validation.TriggerCheck(trigger.trigger(), trigger.latentIndices(), ranks, rels, hit,
                    nt == 0 ? null : (double) hit.size() / nt);
        }
        Validation.Audit audit = new Validation.Audit(auditK, flags.size(), (double) flags.size() / auditK, flags, check);
        List<Validation.LatentRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new Validation.LatentRow(pop.get(i).latent(), overallRank.get(pop.get(i).latent()), change[i], relevance[i],
                    popDesc.get(i).description()));
        }
        return new Validation(Validation.SCHEMA_VERSION, Validation.TYPE, task.task(), method, judge.name(), summary.sae(),
                summary.component(), summary.hook(), adapterName, options.changeMeasure(), task.description(), options.k(), n, undescribed,
                failures, judge.onTaskThreshold(), judge.offTaskThreshold(), seed, stats, new Validation.Controls(shuffled, random), audit,
                rows, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    double change(ChangeSummary.LatentChange lc) {
        return options.changeMeasure().equals("param_change") ? Math.abs(lc.paramChange()) : lc.meanAbsDelta();
    }

    /** All statistics for one relevance vector against the change ranking. */
    Validation.Stats stats(double[] relevance, double[] change, boolean[] top, long seed) {
        OptionalDouble auc = RankStats.auroc(relevance, top);
        OptionalDouble rho = RankStats.spearman(change, relevance);
        RankStats.Permutation p = RankStats.permutation(relevance, change, top, options.permutations(), ScoreMath.seedFor(seed, "perm"));
        RankStats.Interval aucCi = RankStats.bootstrapAuroc(relevance, top, options.bootstrap(), ScoreMath.seedFor(seed, "boot-auroc"));
        RankStats.Interval rhoCi = RankStats.bootstrapSpearman(change, relevance, options.bootstrap(), ScoreMath.seedFor(seed, "boot-rho"))
                .orElse(null);
        double th = judge.onTaskThreshold();
        double sumTop = 0;
        double sumRest = 0;
        int nTop = 0;
        int onTask = 0;
        for (int i = 0; i < relevance.length; i++) {
            if (top[i]) {
                sumTop += relevance[i];
                nTop++;
            } else {
                sumRest += relevance[i];
            }
            onTask += relevance[i] >= th ? 1 : 0;
        }
        int overlap = RankStats.topKOverlap(relevance, top, ScoreMath.seedFor(seed, "overlap-ties"));
        int n = relevance.length;
        return new Validation.Stats(auc.isPresent() ? auc.getAsDouble() : null, aucCi, rho.isPresent() ? rho.getAsDouble() : null, rhoCi,
                RankStats.precisionAtK(relevance, top, th), (double) onTask / relevance.length, p.pAuroc(),
                Double.isNaN(p.pSpearman()) ? null : p.pSpearman(), p.nullMeanAuroc(), p.permutations(), sumTop / nTop,
                sumRest / (relevance.length - nTop), overlap, (double) nTop * nTop / n, RankStats.hypergeometricUpperTail(n, nTop, nTop,
                        overlap));
    }

    /** k latents drawn at random in place of the top-k, {@code randomDraws} times. */
    Validation.RandomLatentControl randomLatents(double[] relevance, long seed) {
        int n = relevance.length;
        int k = options.k();
        Random rnd = new Random(seed);
        double[] aucs = new double[options.randomDraws()];
        double precSum = 0;
        int[] idx = new int[n];
        for (int d = 0; d < aucs.length; d++) {
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            boolean[] top = new boolean[n];
            for (int i = 0; i < k; i++) { // partial Fisher–Yates: the first k are a uniform random subset
                int j = i + rnd.nextInt(n - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
                top[idx[i]] = true;
            }
            aucs[d] = RankStats.auroc(relevance, top).getAsDouble();
            precSum += RankStats.precisionAtK(relevance, top, judge.onTaskThreshold());
        }
        double mean = Arrays.stream(aucs).average().orElseThrow();
        Arrays.sort(aucs);
        return new Validation.RandomLatentControl(aucs.length, mean, RankStats.quantile(aucs, 0.025), RankStats.quantile(aucs, 0.975),
                precSum / aucs.length);
    }
}
