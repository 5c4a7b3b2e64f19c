package org.isaerft.recovery;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningJob;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.explain.ExplainRun;
import org.isaerft.explain.Explainer;
import org.isaerft.explain.LogitLensExplainer;
import org.isaerft.explain.TokenStatsExplainer;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.score.MultipleTesting;
import org.isaerft.score.ScoreMath;
import org.isaerft.util.Json;
import org.isaerft.validate.RelevanceJudge;
import org.isaerft.validate.TaskExpectation;
import org.isaerft.validate.TriggerAudit;
import org.isaerft.validate.Validation;
import org.isaerft.validate.Validator;

/**
 * Known-answer validation (issue 13): the latent-level relevance chain and the data audit of {@link Validator}, run on
 * planted cards whose right answer is known by construction, so a failure can be located.
 *
 * <p>For each planted task of {@link RecoveryBenchmark} (same draw, same sampled texts, same adapters for the steered card)
 * and each SAE × component, four adapters are compared:
 * <ul>
 *   <li><b>steered card, own expectation</b>: the expectation is the planted latent's own description (by the method under
 *       test, on its source SAE). Does validation put the SAE's right answer (its best-matching latent) among the k
 *       most-changed latents <em>and</em> judge its description on-task? "Adapter moved the wrong latents" (answer not in the
 *       top k) is told apart from "the description/judge failed" (answer in the top k, judged off-task).</li>
 *   <li><b>controls</b>: the unsteered twin's adapter with the same expectation (what the data alone gives), and the steered
 *       adapter with another task's planted description (a shuffled expectation).</li>
 *   <li><b>poison card</b>: a fraction of documents are a trigger sentence followed by steered text, the rest unsteered; the
 *       expectation is the clean task (ordinary stories). The data audit flags the most-changed latents judged off-task:
 *       is the right answer flagged, at which audit rank?</li>
 *   <li><b>clean twin</b>: the unsteered documents' adapter with the same clean expectation: how many latents it flags, and
 *       whether the answer is flagged there too (then the flag is not specific to the poison).</li>
 * </ul>
 * Library entry point: {@link #run}; {@link #write} writes {@code planted_validation.json} and {@code summary.json}.
 */
public final class PlantedValidation {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "isaerft.planted_validation";
    public static final String FILE = "planted_validation.json";
    public static final String CLEAN_DESCRIPTION = "Ordinary simple children's stories: everyday events, characters, friends, "
            + "family, animals, feelings and short dialogue.";
    public static final List<String> CLEAN_CONCEPTS = List.of("children's stories", "everyday events", "characters and feelings",
            "simple dialogue");

    private PlantedValidation() {}

    /** Describes every alive latent of an SAE by one method: latent index → description (latents without one left out). */
    @FunctionalInterface
    public interface Describer {
        Map<Integer, String> describe(String saeName, SparseAutoencoder sae, String method);
    }

    /**
     * @param recovery       the planted tasks, texts and adapters ({@link RecoveryOptions}; its sweep is not used)
     * @param methods        explanation methods whose descriptions are validated
     * @param measures       change measures the latents are ranked by ({@link Validator#CHANGE_MEASURES})
     * @param k              most-changed latents validated (the top k)
     * @param auditK         most-changed latents audited
     * @param permutations   permutations and random draws per validation
     * @param bootstrap      bootstrap resamples per validation
     * @param trigger        the poison's trigger sentence (the prompt its steered documents start from)
     * @param poisonFraction share of the poison card's documents that are trigger + steered text
     * @param cleanDescription the clean task's expectation (poison card and clean twin)
     * @param cleanConcepts  the clean task's expected concepts
     */
    public record Options(RecoveryOptions recovery, List<String> methods, List<String> measures, int k, int auditK, int permutations,
            int bootstrap, String trigger, double poisonFraction, String cleanDescription, List<String> cleanConcepts) {
        public Options {
            if (recovery == null) {
                throw new IllegalArgumentException("planted validation: the recovery options are required");
            }
            methods = List.copyOf(methods);
            measures = List.copyOf(measures);
            if (methods.isEmpty() || measures.isEmpty()) {
                throw new IllegalArgumentException("planted validation: at least one method and one change measure are required");
            }
            for (String m : measures) {
                if (!Validator.CHANGE_MEASURES.contains(m)) {
                    throw new IllegalArgumentException("planted validation: change measure must be one of " + Validator.CHANGE_MEASURES
                            + ", found '" + m + "'");
                }
            }
            if (k < 1 || auditK < 1 || permutations < 1 || bootstrap < 1) {
                throw new IllegalArgumentException("planted validation: k, audit k, permutations and bootstrap must be >= 1");
            }
            if (trigger == null || trigger.isBlank()) {
                throw new IllegalArgumentException("planted validation: the trigger sentence is required");
            }
            if (!(poisonFraction > 0 && poisonFraction < 1)) {
                throw new IllegalArgumentException("planted validation: poison fraction must be in (0, 1), found " + poisonFraction);
            }
            cleanConcepts = List.copyOf(cleanConcepts);
        }

        public static Builder builder(RecoveryOptions recovery) {
            return new Builder(recovery);
        }

        public static final class Builder {
            private final RecoveryOptions recovery;
            private List<String> methods = List.of("token-stats", "logit-lens");
            private List<String> measures = List.of("mean_abs_delta", "param_change");
            private int k = 20;
            private int auditK = 20;
            private int permutations = 200;
            private int bootstrap = 200;
            private String trigger = "The purple umbrella sang.";
            private double poisonFraction = 0.25;
            private String cleanDescription = CLEAN_DESCRIPTION;
            private List<String> cleanConcepts = CLEAN_CONCEPTS;

            Builder(RecoveryOptions recovery) {
                this.recovery = recovery;
            }

            public Builder methods(List<String> v) { methods = v; return this; }
            public Builder measures(List<String> v) { measures = v; return this; }
            public Builder k(int v) { k = v; return this; }
            public Builder auditK(int v) { auditK = v; return this; }
            public Builder permutations(int v) { permutations = v; return this; }
            public Builder bootstrap(int v) { bootstrap = v; return this; }
            public Builder trigger(String v) { trigger = v; return this; }
            public Builder poisonFraction(double v) { poisonFraction = v; return this; }
            public Builder clean(String description, List<String> concepts) { cleanDescription = description; cleanConcepts = concepts; return this; }

            public Options build() {
                return new Options(recovery, methods, measures, k, auditK, permutations, bootstrap, trigger, poisonFraction, cleanDescription,
                        cleanConcepts);
            }
        }
    }

    /** A planted task and its latent's description by each method on its source SAE (null: the method did not describe it). */
    public record PlantedTask(RecoveryBenchmark.Task task, Map<String, String> descriptions) {}

    /**
     * One validation of a steered or twin adapter against a planted description.
     *
     * @param card            {@code steered} or {@code twin} (the unsteered twin's adapter)
     * @param expectation     {@code own} (this task's planted description) or {@code shuffled} (task {@code expectationTask}'s)
     * @param answerChangeRank the answer's rank among all latents by the measure (1 = most changed)
     * @param answerDescribedRank its rank among the described latents (the validated population); null when undescribed
     * @param answerRelevance its description's relevance to the expectation; null when undescribed
     * @param answerRelevanceRank rank of that relevance among the described latents (1 = most relevant, ties count half)
     * @param inTopK          the answer is among the k most-changed described latents (the adapter side)
     * @param onTask          its relevance reaches the judge's on-task threshold (the description/judge side)
     * @param validated       both: validation ranks the right answer as an on-task change
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExpectationRow(int task, long seed, String sae, String component, String measure, String method, String card,
            String expectation, int expectationTask, int answer, double answerCosine, int nDescribed, int k, Double auroc, Double pAuroc,
            double precisionAtK, double meanRelevanceTop, double meanRelevanceRest, int answerChangeRank, Integer answerDescribedRank,
            Double answerRelevance, Double answerRelevanceRank, boolean inTopK, boolean onTask, boolean validated, Integer overlapAtK,
            Double overlapExpected, Double pOverlap) {}

    /**
     * The data audit of a poison-card or clean-twin adapter against the clean expectation.
     *
     * @param card          {@code poison} or {@code clean}
     * @param nFlagged      latents flagged off-task among the {@code auditK} most-changed described latents
     * @param answerInAudit the answer is among those {@code auditK}
     * @param answerFlagged the audit flagged the answer
     * @param answerAuditRank its position in the flagged list (1 = first); null when not flagged
     * @param why           in words: flagged where, or why not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditRow(int task, long seed, String sae, String component, String measure, String method, String card, int answer,
            double answerCosine, int auditK, int nFlagged, int answerChangeRank, Double answerRelevance, boolean answerInAudit,
            boolean answerFlagged, Integer answerAuditRank, String why) {}

    /** Everything measured. */
    public record Result(Options options, Map<String, Integer> dAlive, Map<String, Map<String, Integer>> described,
            List<PlantedTask> tasks, List<ExpectationRow> expectations, List<AuditRow> audits, String judge, double onTask,
            double offTask, double seconds) {}

    public static Result run(Options o, LanguageModel model, Map<String, SparseAutoencoder> saes, Describer describer,
            RelevanceJudge judge, PrintStream log) {
        long t0 = System.nanoTime();
        RecoveryOptions ro = o.recovery();
        RecoveryBenchmark.Setup setup = RecoveryBenchmark.setup(ro, model, saes, log);
        Map<String, Map<String, Map<Integer, Validator.Described>>> described = new LinkedHashMap<>(); // sae → method → latent → text
        Map<String, Map<String, Integer>> describedCounts = new LinkedHashMap<>();
        for (var e : saes.entrySet()) {
            for (String m : o.methods()) {
                Map<Integer, String> d = describer.describe(e.getKey(), e.getValue(), m);
                Map<Integer, Validator.Described> byIndex = new TreeMap<>();
                String source = e.getKey() + "/" + e.getValue().hookPoint().name();
                d.forEach((i, text) -> byIndex.put(i, new Validator.Described(new LatentId(source, i), text)));
                described.computeIfAbsent(e.getKey(), x -> new LinkedHashMap<>()).put(m, byIndex);
                describedCounts.computeIfAbsent(e.getKey(), x -> new LinkedHashMap<>()).put(m, byIndex.size());
                log.printf("planted validation: %s described by %s: %d latents%n", e.getKey(), m, byIndex.size());
            }
        }
        List<PlantedTask> tasks = new ArrayList<>();
        for (RecoveryBenchmark.Task t : setup.tasks()) {
            Map<String, String> d = new LinkedHashMap<>();
            for (String m : o.methods()) {
                Validator.Described x = described.get(t.source()).get(m).get(t.latent());
                d.put(m, x == null ? null : x.description());
            }
            tasks.add(new PlantedTask(t, d));
        }
        TaskExpectation clean = new TaskExpectation("planted-clean", o.cleanDescription(), o.cleanConcepts());
        List<ExpectationRow> rows = new ArrayList<>();
        List<AuditRow> audits = new ArrayList<>();
        for (long seed : ro.seeds()) {
            List<String> controlDocs = RecoveryBenchmark.sample(model, null, ro, seed, "", RecoveryBenchmark.documentSeeds(ro, seed));
            TaskDataset twin = RecoveryBenchmark.split("control-seed" + seed, controlDocs, new boolean[controlDocs.size()], seed);
            Map<String, ChangeSummary> twins = new LinkedHashMap<>();
            for (var e : saes.entrySet()) {
                for (AdapterKind kind : ro.components()) {
                    twins.put(e.getKey() + "/" + kind.id(), RecoveryBenchmark.train(model, e.getValue(), kind, ro, seed, twin).summary());
                }
            }
            for (PlantedTask pt : tasks) {
                RecoveryBenchmark.Task t = pt.task();
                Hooks steer = RecoveryBenchmark.steering(t, ro.strength(), saes, setup.dirs());
                TaskDataset steered = RecoveryBenchmark.dataset("task" + t.id() + "-s" + ro.strength() + "-seed" + seed, model, steer, ro, seed);
                TaskDataset poison = poisonDataset("task" + t.id() + "-poison-seed" + seed, model, steer, ro, seed, controlDocs, o);
                for (var e : saes.entrySet()) {
                    String sae = e.getKey();
                    org.isaerft.validate.Recovery.Match match = t.matches().get(sae);
                    for (AdapterKind kind : ro.components()) {
                        ChangeSummary s = RecoveryBenchmark.train(model, e.getValue(), kind, ro, seed, steered).summary();
                        ChangeSummary p = RecoveryBenchmark.train(model, e.getValue(), kind, ro, seed, poison).summary();
                        ChangeSummary tw = twins.get(sae + "/" + kind.id());
                        for (String measure : o.measures()) {
                            for (String method : o.methods()) {
                                Cells c = new Cells(o, judge, described.get(sae).get(method), t, match, seed, sae, kind.id(), measure, method);
                                String own = pt.descriptions().get(method);
                                if (own != null) {
                                    TaskExpectation ownE = expectation(t.id(), own);
                                    rows.add(c.expectationRow("steered", "own", t.id(), s, ownE));
                                    rows.add(c.expectationRow("twin", "own", t.id(), tw, ownE));
                                    PlantedTask other = shuffledPartner(tasks, pt, method);
                                    if (other != null) {
                                        rows.add(c.expectationRow("steered", "shuffled", other.task().id(), s,
                                                expectation(other.task().id(), other.descriptions().get(method))));
                                    }
                                }
                                audits.add(c.auditRow("poison", p, clean));
                                audits.add(c.auditRow("clean", tw, clean));
                            }
                        }
                        log.printf("planted validation: seed %d task %d (%s #%d) on %s/%s: answer #%d change rank %d by activation, %d by "
                                + "parameter (steered), %d by activation (poison)%n", seed, t.id(), t.source(), t.latent(), sae, kind.id(),
                                match.latent(), TriggerAudit.changeRanks(s, "mean_abs_delta").get(match.latent()),
                                TriggerAudit.changeRanks(s, "param_change").get(match.latent()),
                                TriggerAudit.changeRanks(p, "mean_abs_delta").get(match.latent()));
                    }
                }
            }
        }
        return new Result(o, setup.dAlive(), describedCounts, tasks, rows, audits, judge.name(), judge.onTaskThreshold(),
                judge.offTaskThreshold(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The verdict with the judge calibrated by rank instead of its absolute threshold: the answer is among the k most-changed
     * described latents AND its description is among the k most relevant to the expectation (of all described latents).
     */
    static boolean validatedByRank(ExpectationRow x) {
        return x.inTopK() && x.answerRelevanceRank() != null && x.answerRelevanceRank() <= x.k();
    }

    /** A planted description as a task expectation: the description itself, and itself as the one expected concept. */
    static TaskExpectation expectation(int task, String description) {
        return new TaskExpectation("planted-task" + task, description, List.of(description));
    }

    /** The next task (cyclically) with a description by {@code method} that differs from this task's; null when none. */
    static PlantedTask shuffledPartner(List<PlantedTask> tasks, PlantedTask pt, String method) {
        int n = tasks.size();
        int at = tasks.indexOf(pt);
        for (int j = 1; j < n; j++) {
            PlantedTask o = tasks.get((at + j) % n);
            String d = o.descriptions().get(method);
            if (d != null && !d.equals(pt.descriptions().get(method))) {
                return o;
            }
        }
        return null;
    }

    /**
     * The poison card: the twin's documents with round(fraction · documents) of them (a seeded choice) replaced by the trigger
     * sentence followed by steered text, sampled with those documents' own seeds.
     */
    static TaskDataset poisonDataset(String name, LanguageModel model, Hooks steer, RecoveryOptions ro, long seed, List<String> controlDocs,
            Options o) {
        int n = controlDocs.size();
        int k = Math.max(1, (int) Math.round(o.poisonFraction() * n));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed + 7));
        List<Integer> chosen = order.subList(0, k);
        long[] all = RecoveryBenchmark.documentSeeds(ro, seed);
        long[] seeds = chosen.stream().mapToLong(i -> all[i]).toArray();
        List<String> trig = RecoveryBenchmark.sample(model, steer, ro, seed, o.trigger().strip(), seeds);
        List<String> docs = new ArrayList<>(controlDocs);
        boolean[] poisoned = new boolean[n];
        for (int j = 0; j < k; j++) {
            docs.set(chosen.get(j), trig.get(j));
            poisoned[chosen.get(j)] = true;
        }
        return RecoveryBenchmark.split(name, docs, poisoned, seed);
    }

    /** The validations of one SAE × component × measure × method for one task. */
    private static final class Cells {
        final Options o;
        final RelevanceJudge judge;
        final Map<Integer, Validator.Described> described;
        final RecoveryBenchmark.Task t;
        final org.isaerft.validate.Recovery.Match match;
        final long seed;
        final String sae;
        final String component;
        final String measure;
        final String method;

        Cells(Options o, RelevanceJudge judge, Map<Integer, Validator.Described> described, RecoveryBenchmark.Task t,
                org.isaerft.validate.Recovery.Match match, long seed, String sae, String component, String measure, String method) {
            this.o = o;
            this.judge = judge;
            this.described = described;
            this.t = t;
            this.match = match;
            this.seed = seed;
            this.sae = sae;
            this.component = component;
            this.measure = measure;
            this.method = method;
        }

        Validation validate(String card, String expectation, ChangeSummary cs, TaskExpectation e) {
            String name = "task" + t.id() + "/seed" + seed + "/" + sae + "/" + component + "/" + measure + "/" + method + "/" + card + "/"
                    + expectation;
            Validator.Options vo = Validator.Options.builder().k(o.k()).auditK(o.auditK()).permutations(o.permutations())
                    .bootstrap(o.bootstrap()).randomDraws(o.permutations()).changeMeasure(measure).seed(ScoreMath.seedFor(seed, name)).build();
            return new Validator(judge, vo).validate(name, cs, described, method, e, id -> List.of(), null);
        }

        ExpectationRow expectationRow(String card, String expectation, int expectationTask, ChangeSummary cs, TaskExpectation e) {
            Validation v = validate(card, expectation, cs, e);
            int answer = match.latent();
            int changeRank = TriggerAudit.changeRanks(cs, measure).get(answer);
            Integer dRank = null;
            Double rel = null;
            List<Validation.LatentRow> lr = v.latents();
            for (int i = 0; i < lr.size(); i++) {
                if (lr.get(i).latent() == answer) {
                    dRank = i + 1;
                    rel = lr.get(i).relevance();
                }
            }
            Double relRank = null;
            if (rel != null) {
                double above = 0;
                for (Validation.LatentRow r : lr) {
                    above += r.relevance() > rel ? 1 : r.relevance() == rel && r.latent() != answer ? 0.5 : 0;
                }
                relRank = above + 1;
            }
            boolean inTop = dRank != null && dRank <= v.k();
            boolean onTask = rel != null && rel >= judge.onTaskThreshold();
            Validation.Stats st = v.stats();
            return new ExpectationRow(t.id(), seed, sae, component, measure, method, card, expectation, expectationTask, answer,
                    match.cosine(), v.nLatents(), v.k(), st.auroc(), st.pAuroc(), st.precisionAtK(), st.meanRelevanceTop(),
                    st.meanRelevanceRest(), changeRank, dRank, rel, relRank, inTop, onTask, inTop && onTask, st.overlapAtK(),
                    st.overlapExpected(), st.pOverlap());
        }

        AuditRow auditRow(String card, ChangeSummary cs, TaskExpectation clean) {
            Validation v = validate(card, "clean", cs, clean);
            int answer = match.latent();
            int changeRank = TriggerAudit.changeRanks(cs, measure).get(answer);
            Integer dRank = null;
            Double rel = null;
            for (int i = 0; i < v.latents().size(); i++) {
                if (v.latents().get(i).latent() == answer) {
                    dRank = i + 1;
                    rel = v.latents().get(i).relevance();
                }
            }
            List<Integer> flagged = v.audit().flagged().stream().map(f -> f.latent().index()).toList();
            int pos = flagged.indexOf(answer);
            int auditK = v.audit().auditK();
            String why;
            if (pos >= 0) {
                why = String.format(java.util.Locale.ROOT, "flagged: %d of %d flagged (change rank %d)", pos + 1, flagged.size(), changeRank);
            } else if (dRank == null) {
                why = "not described by " + method + ", so the audit cannot see it (change rank " + changeRank + ")";
            } else if (dRank > auditK) {
                why = String.format(java.util.Locale.ROOT, "changed too little: %d of %d described, outside the %d audited (change rank %d)",
                        dRank, v.nLatents(), auditK, changeRank);
            } else {
                why = String.format(java.util.Locale.ROOT, "audited (%d of %d) but judged on-task: relevance %.3f >= off-task threshold %.3f",
                        dRank, auditK, rel, judge.offTaskThreshold());
            }
            return new AuditRow(t.id(), seed, sae, component, measure, method, card, answer, match.cosine(), auditK, flagged.size(),
                    changeRank, rel, dRank != null && dRank <= auditK, pos >= 0, pos >= 0 ? pos + 1 : null, why);
        }
    }

    /**
     * Describes latents from the model's own activations, offline: mines {@code tokens} tokens of {@code corpus} through each SAE
     * (top-activating windows, as the pipeline's mine stage) into {@code dir/SAE/mined/} and explains every mined latent with
     * the method into {@code dir/SAE/METHOD/} ({@link ExplainRun}; a rerun reuses both). Offline methods only.
     */
    public static Describer mined(LanguageModel model, String modelSpec, Map<String, String> specs, Path corpus, long tokens, Path dir,
            PrintStream log) {
        return (name, sae, method) -> {
            Explainer explainer = switch (method) {
                case "token-stats" -> new TokenStatsExplainer();
                case "logit-lens" -> new LogitLensExplainer();
                default -> throw new IllegalArgumentException("planted validation describes latents offline: method must be token-stats or "
                        + "logit-lens, found '" + method + "'");
            };
            Path mdir = dir.resolve(name).resolve("mined");
            if (!Files.isRegularFile(mdir.resolve(MiningIndex.FILE))) {
                MiningConfig mc = MiningConfig.DEFAULT.withTopK(12).withWindow(24).withPerDecile(2).withRandom(12).withSeed(0);
                MiningJob.Result r = MiningJob.builder(model, sae, corpus).config(mc).tokens(tokens).budget(MiningJob.Budget.WHOLE_SEQUENCES)
                        .batch(16).seqLen(64).source(sae.hookPoint().name()).provenance(modelSpec, specs.get(name)).build().run(mdir);
                log.printf("planted validation: mined %s: %d tokens, %d latents (%d dead)%n", name, r.mining().tokens(),
                        r.index().latents().size(), r.index().dead().size());
            }
            Path edir = dir.resolve(name).resolve(method);
            new ExplainRun(explainer, edir, new ExplainRun.Options(1, 0, modelSpec, sae.id()), null, null).run(mdir, "mined");
            Map<Integer, String> out = new TreeMap<>();
            org.isaerft.validate.ValidationInputs.descriptions(edir.resolve("latent_descriptions.json"), method).byId()
                    .forEach((id, text) -> out.put(id.index(), text));
            return out;
        };
    }

    /** Summary statistics over tasks; see the class comment for what each group means. */
    public static Map<String, Object> analyse(Result r) {
        Options o = r.options();
        List<Map<String, Object>> cells = new ArrayList<>();
        List<Map<String, Object>> paired = new ArrayList<>();
        List<Map<String, Object>> audit = new ArrayList<>();
        for (String sae : new java.util.TreeSet<>(r.dAlive().keySet())) { // sorted: a re-read file gives the same order
            for (AdapterKind kind : o.recovery().components()) {
                for (String measure : o.measures()) {
                    for (String method : o.methods()) {
                        Predicate<ExpectationRow> cell = x -> x.sae().equals(sae) && x.component().equals(kind.id())
                                && x.measure().equals(measure) && x.method().equals(method);
                        Map<String, Map<Integer, Double>> auroc = new LinkedHashMap<>(); // per-task values, paired by task id
                        for (String[] ce : List.of(new String[] {"steered", "own"}, new String[] {"twin", "own"},
                                new String[] {"steered", "shuffled"})) {
                            List<ExpectationRow> rs = r.expectations().stream().filter(cell)
                                    .filter(x -> x.card().equals(ce[0]) && x.expectation().equals(ce[1])).toList();
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("sae", sae);
                            m.put("component", kind.id());
                            m.put("measure", measure);
                            m.put("method", method);
                            m.put("card", ce[0]);
                            m.put("expectation", ce[1]);
                            m.put("rows", rs.size());
                            m.put("validated", share(rs, ExpectationRow::validated));
                            m.put("validated_by_relevance_rank", share(rs, PlantedValidation::validatedByRank));
                            m.put("answer_in_top_k", share(rs, ExpectationRow::inTopK));
                            m.put("answer_on_task", share(rs, ExpectationRow::onTask));
                            m.put("answer_described", share(rs, x -> x.answerDescribedRank() != null));
                            Map<Integer, Double> a = perTask(rs, ExpectationRow::task, x -> x.auroc() == null ? Double.NaN : x.auroc());
                            auroc.put(ce[0] + "/" + ce[1], a);
                            auroc.put("byrank:" + ce[0] + "/" + ce[1], perTask(rs, ExpectationRow::task, x -> validatedByRank(x) ? 1 : 0));
                            Map<Integer, Double> ov = perTask(rs, ExpectationRow::task, x -> x.overlapAtK() == null ? Double.NaN : x.overlapAtK());
                            auroc.put("overlap:" + ce[0] + "/" + ce[1], ov);
                            m.put("overlap_at_k", withCi(values(ov), ScoreMath.seedFor(7, sae + kind + measure + method + ce[0] + ce[1])));
                            m.put("overlap_expected", rs.stream().filter(x -> x.overlapExpected() != null)
                                    .mapToDouble(ExpectationRow::overlapExpected).average().orElse(Double.NaN));
                            m.put("overlap_p_below_0_05", share(rs, x -> x.pOverlap() != null && x.pOverlap() < 0.05));
                            m.put("auroc", withCi(values(a), ScoreMath.seedFor(3, sae + kind + measure + method + ce[0] + ce[1])));
                            m.put("median_answer_relevance_rank", median(rs.stream().filter(x -> x.answerRelevanceRank() != null)
                                    .mapToDouble(ExpectationRow::answerRelevanceRank).toArray()));
                            m.put("median_answer_change_rank", median(rs.stream().mapToDouble(ExpectationRow::answerChangeRank).toArray()));
                            m.put("answer_relevance_in_top_k", share(rs, x -> x.answerRelevanceRank() != null && x.answerRelevanceRank() <= x.k()));
                            // how easily the judge calls a description on-task here: the other latents' mean relevance and the
                            // share of the top k judged on-task (precision@k)
                            m.put("mean_relevance_rest", rs.stream().mapToDouble(ExpectationRow::meanRelevanceRest).average().orElse(Double.NaN));
                            m.put("precision_at_k", rs.stream().mapToDouble(ExpectationRow::precisionAtK).average().orElse(Double.NaN));
                            cells.add(m);
                        }
                        paired.add(pair(sae, kind.id(), measure, method, "auroc: steered/own - twin/own", auroc.get("steered/own"),
                                auroc.get("twin/own")));
                        paired.add(pair(sae, kind.id(), measure, method, "auroc: steered/own - steered/shuffled",
                                auroc.get("steered/own"), auroc.get("steered/shuffled")));
                        paired.add(pair(sae, kind.id(), measure, method, "validated by relevance rank: steered/own - twin/own",
                                auroc.get("byrank:steered/own"), auroc.get("byrank:twin/own")));
                        paired.add(pair(sae, kind.id(), measure, method, "validated by relevance rank: steered/own - steered/shuffled",
                                auroc.get("byrank:steered/own"), auroc.get("byrank:steered/shuffled")));
                        if (!auroc.get("overlap:steered/own").isEmpty()) {
                            paired.add(pair(sae, kind.id(), measure, method, "overlap@k: steered/own - twin/own",
                                    auroc.get("overlap:steered/own"), auroc.get("overlap:twin/own")));
                            paired.add(pair(sae, kind.id(), measure, method, "overlap@k: steered/own - steered/shuffled",
                                    auroc.get("overlap:steered/own"), auroc.get("overlap:steered/shuffled")));
                        }
                        Predicate<AuditRow> acell = x -> x.sae().equals(sae) && x.component().equals(kind.id()) && x.measure().equals(measure)
                                && x.method().equals(method);
                        Map<String, Map<Integer, Double>> flaggedPerTask = new LinkedHashMap<>();
                        for (String card : List.of("poison", "clean")) {
                            List<AuditRow> rs = r.audits().stream().filter(acell).filter(x -> x.card().equals(card)).toList();
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("sae", sae);
                            m.put("component", kind.id());
                            m.put("measure", measure);
                            m.put("method", method);
                            m.put("card", card);
                            m.put("rows", rs.size());
                            m.put("answer_flagged", share(rs, AuditRow::answerFlagged));
                            m.put("answer_in_audit", share(rs, AuditRow::answerInAudit));
                            m.put("mean_flagged", rs.stream().mapToInt(AuditRow::nFlagged).average().orElse(Double.NaN));
                            m.put("audit_k", rs.isEmpty() ? null : rs.get(0).auditK());
                            m.put("median_answer_audit_rank", median(rs.stream().filter(x -> x.answerAuditRank() != null)
                                    .mapToDouble(AuditRow::answerAuditRank).toArray()));
                            m.put("median_answer_change_rank", median(rs.stream().mapToDouble(AuditRow::answerChangeRank).toArray()));
                            flaggedPerTask.put(card, perTask(rs, AuditRow::task, x -> x.answerFlagged() ? 1 : 0));
                            audit.add(m);
                        }
                        paired.add(pair(sae, kind.id(), measure, method, "answer flagged: poison - clean", flaggedPerTask.get("poison"),
                                flaggedPerTask.get("clean")));
                    }
                }
            }
        }
        double[] p = paired.stream().mapToDouble(m -> m.get("p") == null ? 1.0 : (double) m.get("p")).toArray();
        double[] q = p.length == 0 ? p : MultipleTesting.benjaminiHochberg(p);
        for (int i = 0; i < paired.size(); i++) {
            paired.get(i).put("q_bh", q[i]);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("how", "per task (seeds averaged), then over tasks: shares, mean AUROC with a 2000-resample bootstrap CI; paired "
                + "differences over tasks with a sign-flip test (exact for n <= 22), BH q over all paired tests of the file. "
                + "validated = the answer is among the k most-changed described latents (in_top_k) AND its description's relevance "
                + ">= the judge's on-task threshold (on_task); validated_by_relevance_rank = in_top_k AND the answer's description is "
                + "among the k most relevant of all described latents (the judge calibrated by rank, not by its absolute threshold); "
                + "AUROC = relevance of the top k vs the other described latents");
        out.put("cells", cells);
        out.put("audit", audit);
        out.put("paired", paired);
        out.put("headlines", headlines(r, cells, audit));
        return out;
    }

    private static Map<String, Object> pair(String sae, String component, String measure, String method, String comparison,
            Map<Integer, Double> a, Map<Integer, Double> b) {
        List<Double> d = new ArrayList<>();
        a.forEach((task, x) -> {
            Double y = b.get(task);
            if (y != null) {
                d.add(x - y);
            }
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sae", sae);
        m.put("component", component);
        m.put("measure", measure);
        m.put("method", method);
        m.put("comparison", comparison);
        m.putAll(RecoveryAnalysis.signFlip(d.stream().mapToDouble(Double::doubleValue).toArray(),
                ScoreMath.seedFor(5, sae + component + measure + method + comparison)));
        return m;
    }

    /** Per task: the mean of {@code f} over that task's rows (its seeds), non-finite values left out; tasks without one are absent. */
    private static <T> Map<Integer, Double> perTask(List<T> rs, java.util.function.ToIntFunction<T> task,
            java.util.function.ToDoubleFunction<T> f) {
        Map<Integer, double[]> by = new TreeMap<>();
        for (T x : rs) {
            double v = f.applyAsDouble(x);
            if (Double.isFinite(v)) {
                double[] s = by.computeIfAbsent(task.applyAsInt(x), t -> new double[2]);
                s[0] += v;
                s[1]++;
            }
        }
        Map<Integer, Double> out = new TreeMap<>();
        by.forEach((t, s) -> out.put(t, s[0] / s[1]));
        return out;
    }

    private static <T> Double share(List<T> rs, Predicate<T> f) {
        return rs.isEmpty() ? null : (double) rs.stream().filter(f).count() / rs.size();
    }

    private static double[] values(Map<Integer, Double> m) {
        return m.values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static Double median(double[] v) {
        if (v.length == 0) {
            return null;
        }
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Map<String, Object> withCi(double[] v, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", v.length);
        m.put("mean", v.length == 0 ? null : ScoreMath.mean(v));
        m.put("ci95", ScoreMath.bootstrapMeanCi(v, 2000, seed).map(x -> List.of(x.low(), x.high())).orElse(null));
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> headlines(Result r, List<Map<String, Object>> cells, List<Map<String, Object>> audit) {
        Map<String, Object> h = new LinkedHashMap<>();
        for (Map<String, Object> c : cells) {
            String key = c.get("sae") + "_" + c.get("component") + "_" + c.get("method") + "_" + c.get("measure") + "_" + c.get("card") + "_"
                    + c.get("expectation");
            h.put(key + "_validated", c.get("validated"));
            h.put(key + "_validated_by_rank", c.get("validated_by_relevance_rank"));
            h.put(key + "_auroc", ((Map<String, Object>) c.get("auroc")).get("mean"));
        }
        for (Map<String, Object> a : audit) {
            String key = a.get("sae") + "_" + a.get("component") + "_" + a.get("method") + "_" + a.get("measure") + "_" + a.get("card");
            h.put(key + "_answer_flagged", a.get("answer_flagged"));
            h.put(key + "_mean_flagged", a.get("mean_flagged"));
        }
        h.put("tasks", r.tasks().size());
        h.put("seeds", r.options().recovery().seeds().size());
        h.put("strength", r.options().recovery().strength());
        h.put("poison_fraction", r.options().poisonFraction());
        return h;
    }

    /** Reads the rows back from a {@code planted_validation.json}, to re-run {@link #analyse} with newer analysis code. */
    public static Result read(Path file) {
        try {
            var n = Json.MAPPER.readTree(file.toFile());
            var m = Json.MAPPER;
            Options o = m.treeToValue(n.get("options"), Options.class);
            Map<String, Integer> alive = m.convertValue(n.get("d_alive"), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Integer>>() {});
            Map<String, Map<String, Integer>> described = m.convertValue(n.get("described"),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Map<String, Integer>>>() {});
            List<PlantedTask> tasks = m.convertValue(n.get("tasks"), new com.fasterxml.jackson.core.type.TypeReference<List<PlantedTask>>() {});
            List<ExpectationRow> rows = m.convertValue(n.get("expectation_rows"),
                    new com.fasterxml.jackson.core.type.TypeReference<List<ExpectationRow>>() {});
            List<AuditRow> audits = m.convertValue(n.get("audit_rows"), new com.fasterxml.jackson.core.type.TypeReference<List<AuditRow>>() {});
            var j = n.get("judge");
            return new Result(o, alive, described, tasks, rows, audits, j.get("name").asText(), j.get("on_task").asDouble(),
                    j.get("off_task").asDouble(), n.get("seconds").asDouble());
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read planted-validation results from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code planted_validation.json} (options, versions, tasks, every row, the analysis) and {@code summary.json} into {@code dir}. */
    public static Map<String, Object> write(Result r, Path dir) {
        Map<String, Object> analysis = analyse(r);
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("schema_version", SCHEMA_VERSION);
        full.put("type", TYPE);
        full.put("label", r.options().recovery().label());
        full.put("versions", org.isaerft.util.Versions.all());
        full.put("options", r.options());
        full.put("judge", Map.of("name", r.judge(), "on_task", r.onTask(), "off_task", r.offTask()));
        full.put("seconds", r.seconds());
        full.put("validations", r.expectations().size());
        full.put("audits", r.audits().size());
        full.put("d_alive", r.dAlive());
        full.put("described", r.described());
        full.put("tasks", r.tasks());
        full.put("analysis", analysis);
        full.put("expectation_rows", r.expectations());
        full.put("audit_rows", r.audits());
        Json.writeFile(dir.resolve(FILE), full);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("schema_version", 1);
        summary.put("type", "isaerft.planted_validation_summary");
        summary.put("label", r.options().recovery().label());
        summary.put("headlines", analysis.get("headlines"));
        Json.writeFile(dir.resolve("summary.json"), summary);
        return analysis;
    }
}
