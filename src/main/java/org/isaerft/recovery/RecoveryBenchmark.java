package org.isaerft.recovery;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.Adapter;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.Adapters;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.FfnnAdapter;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.Json;
import org.isaerft.validate.Recovery;

/**
 * The known-answer benchmark: plant residual directions taken from SAE latents (drawn across
 * firing-frequency deciles, alive only, source SAE rotating over the SAEs), sample steered text and
 * its unsteered twin, train every component on every SAE, and rank each SAE's right answer (its
 * latent whose residual direction has the highest cosine with the plant) in the change summary.
 * Library entry point: {@link #run}; {@link RecoveryAnalysis} turns the runs into the headline numbers.
 */
public final class RecoveryBenchmark {
    private RecoveryBenchmark() {}

    /** Random latents drawn (with replacement) per adapter for {@link Run#randomPlantRecall5}. */
    public static final int RANDOM_PLANT_TRIALS = 200;

    /**
     * One planted task: a latent of a source SAE and each SAE's best match to its residual direction. The plant at strength S
     * is {@code S × c × r_latent} with c = {@link #perUnitStrength()}: max_act (strength unit max-act; then
     * {@code residualNorm} and {@code coefficientPerS} are null and not written) or ρ / ‖r_latent‖ (unit residual; ρ =
     * {@code residualNorm}, the source scan's median residual norm, so the plant's norm is S × ρ).
     */
    public record Task(int id, String source, int latent, int decile, double freq, double maxAct, Map<String, Recovery.Match> matches,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Double residualNorm,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Double coefficientPerS) {
        /** A task in the max-act unit (as written before strength units existed). */
        public Task(int id, String source, int latent, int decile, double freq, double maxAct, Map<String, Recovery.Match> matches) {
            this(id, source, latent, decile, freq, maxAct, matches, null, null);
        }

        /** The coefficient of r_latent per unit of S: {@code coefficientPerS}, or max_act when it is not set (unit max-act). */
        public double perUnitStrength() {
            return coefficientPerS != null ? coefficientPerS : maxAct;
        }
    }

    /**
     * One adapter trained on one planted card (or, with {@code strength} 0 and {@code control} true, on
     * the unsteered twin — then {@code rankings} rank this task's answer in the control adapter's summary).
     */
    public record Run(int task, long seed, double strength, boolean control, String sae, String component, int answer,
            double answerCosine, boolean matched, List<Recovery.Ranking> rankings, Recovery.HiddenMatch ffnn,
            double randomPlantRecall5, double baseLoss, double adaptedLoss, double seconds) {}

    /** Everything measured; {@link RecoveryAnalysis#analyse} summarises it. */
    public record Result(RecoveryOptions options, Map<String, Integer> dAlive, List<Task> tasks, List<Run> runs, double seconds) {}

    public static Result run(RecoveryOptions o, LanguageModel model, Map<String, SparseAutoencoder> saes, PrintStream log) {
        return run(o, model, saes, log, false);
    }

    /** As {@link #run(RecoveryOptions, LanguageModel, Map, PrintStream)}; with {@code checkpoints}, results so far are written after every task. */
    public static Result run(RecoveryOptions o, LanguageModel model, Map<String, SparseAutoencoder> saes, PrintStream log, boolean checkpoints) {
        long t0 = System.nanoTime();
        Setup setup = setup(o, model, saes, log);
        Map<String, LatentScan> scans = setup.scans();
        Map<String, float[][]> dirs = setup.dirs();
        Map<String, Integer> dAlive = setup.dAlive();
        List<Task> tasks = setup.tasks();
        List<Run> runs = new ArrayList<>();
        for (int si = 0; si < o.seeds().size(); si++) {
            long seed = o.seeds().get(si);
            TaskDataset control = dataset("control-seed" + seed, model, null, o, seed);
            Map<String, ChangeSummary> controlSummaries = new LinkedHashMap<>();
            for (var e : saes.entrySet()) {
                for (AdapterKind k : o.components()) {
                    controlSummaries.put(e.getKey() + "/" + k.id(), train(model, e.getValue(), k, o, seed, control).summary);
                }
            }
            List<Double> strengths = new ArrayList<>();
            strengths.add(o.strength());
            if (si == 0) {
                o.sweep().stream().filter(s -> s != o.strength()).forEach(strengths::add);
            }
            for (Task t : tasks) {
                for (double strength : strengths) {
                    if (strength != o.strength() && t.id() >= o.sweepTasks()) {
                        continue;
                    }
                    TaskDataset steered = dataset("task" + t.id() + "-s" + strength + "-seed" + seed, model,
                            steering(t, strength, saes, dirs), o, seed);
                    for (var e : saes.entrySet()) {
                        String name = e.getKey();
                        Recovery.Match m = t.matches().get(name);
                        boolean[] alive = scans.get(name).aliveMask();
                        int[] answer = {m.latent()};
                        for (AdapterKind k : o.components()) {
                            Trained tr = train(model, e.getValue(), k, o, seed, steered);
                            List<Recovery.Ranking> rk = Recovery.of(tr.summary, alive, answer);
                            double rand5 = Recovery.randomPlantRecall(Recovery.activationChange(tr.summary), alive, 5, RANDOM_PLANT_TRIALS,
                                    seed * 31 + t.id());
                            runs.add(new Run(t.id(), seed, strength, false, name, k.id(), m.latent(), m.cosine(), m.matched(), rk,
                                    tr.ffnn(dirs.get(t.source())[t.latent()]), rand5, tr.base, tr.adapted, tr.seconds));
                            log.printf("recovery: seed %d task %d (%s #%d, decile %d) S=%s on %s/%s: answer #%d (cos %.2f) rank %.1f by "
                                    + "activation, %.1f by parameter; loss %.4f -> %.4f (%.0fs)%n", seed, t.id(), t.source(), t.latent(),
                                    t.decile(), strength, name, k.id(), m.latent(), m.cosine(), rk.get(1).ranks().get(0),
                                    rk.get(0).ranks().get(0), tr.base, tr.adapted, tr.seconds);
                            if (strength == o.strength()) {
                                ChangeSummary cs = controlSummaries.get(name + "/" + k.id());
                                runs.add(new Run(t.id(), seed, 0, true, name, k.id(), m.latent(), m.cosine(), m.matched(),
                                        Recovery.of(cs, alive, answer), null, Double.NaN, Double.NaN, Double.NaN, 0));
                            }
                        }
                    }
                }
                if (checkpoints) { // partial results survive an interrupted run
                    write(new Result(o, dAlive, tasks.subList(0, t.id() + 1), List.copyOf(runs), (System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return new Result(o, dAlive, tasks, runs, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * What every known-answer run starts from: each SAE's scan (alive latents, max_act, firing frequency), every latent's
     * residual direction [d_sae][d_in], the alive counts, and the planted tasks ({@link #drawTasks}).
     */
    record Setup(Map<String, LatentScan> scans, Map<String, float[][]> dirs, Map<String, Integer> dAlive, List<Task> tasks) {}

    static Setup setup(RecoveryOptions o, LanguageModel model, Map<String, SparseAutoencoder> saes, PrintStream log) {
        Map<String, LatentScan> scans = new LinkedHashMap<>();
        Map<String, float[][]> dirs = new LinkedHashMap<>();
        Map<String, Integer> dAlive = new LinkedHashMap<>();
        for (var e : saes.entrySet()) {
            LatentScan s = LatentScan.ofCorpus(model, e.getValue(), o.scanCorpus(), 128, o.scanWindows());
            scans.put(e.getKey(), s);
            dirs.put(e.getKey(), Steering.allResidualDirections(e.getValue(), model.manager()));
            dAlive.put(e.getKey(), s.aliveLatents().length);
            log.printf("recovery: scanned %s: %d tokens, %d alive of %d, median residual norm %.4f%n", e.getKey(), s.tokens(),
                    s.aliveLatents().length, s.dSae(), s.residualNorm());
        }
        return new Setup(scans, dirs, dAlive, drawTasks(o, saes, scans, dirs));
    }

    /**
     * The steering hooks of task {@code t} at strength {@code strength}: x += strength · c · r_latent at the source SAE's hook,
     * c = {@link Task#perUnitStrength()} (max_act, or ρ / ‖r_latent‖ in residual units). The one place the benchmarks build a plant.
     */
    static Hooks steering(Task t, double strength, Map<String, SparseAutoencoder> saes, Map<String, float[][]> dirs) {
        return Steering.addVector(saes.get(t.source()).hookPoint(), plantVector(t, strength, dirs));
    }

    /** The vector {@link #steering} adds: strength · c · r_latent, [d_in]. */
    static float[] plantVector(Task t, double strength, Map<String, float[][]> dirs) {
        return Steering.combine(new float[][] {dirs.get(t.source())[t.latent()]}, new double[] {strength * t.perUnitStrength()});
    }

    /** Task t: source SAE t mod n; latent from decile ⌊10·j/m⌋ of that SAE's alive latents (j-th of its m tasks). */
    static List<Task> drawTasks(RecoveryOptions o, Map<String, SparseAutoencoder> saes, Map<String, LatentScan> scans,
            Map<String, float[][]> dirs) {
        List<String> names = new ArrayList<>(saes.keySet());
        Random rng = new Random(o.seeds().get(0) * 7919 + 17);
        List<Task> out = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int t = 0; t < o.tasks(); t++) {
            String src = names.get(t % names.size());
            int j = t / names.size();
            int m = (o.tasks() - (t % names.size()) + names.size() - 1) / names.size();
            int decile = Math.min(9, 10 * j / Math.max(1, m));
            LatentScan s = scans.get(src);
            int[] alive = s.aliveLatents();
            Integer[] sorted = java.util.Arrays.stream(alive).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(sorted, (a, b) -> s.freq()[a] != s.freq()[b] ? Double.compare(s.freq()[a], s.freq()[b]) : a - b);
            int lo = decile * sorted.length / 10;
            int hi = Math.max(lo + 1, (decile + 1) * sorted.length / 10);
            int latent;
            int guard = 0;
            do {
                latent = sorted[lo + rng.nextInt(hi - lo)];
            } while (!used.add(src + "#" + latent) && ++guard < 100);
            Map<String, Recovery.Match> matches = new LinkedHashMap<>();
            for (String b : names) {
                matches.put(b, b.equals(src) ? new Recovery.Match(latent, 1.0, true)
                        : Recovery.bestMatch(dirs.get(src)[latent], dirs.get(b), scans.get(b).aliveMask()));
            }
            if (o.strengthUnit() == StrengthUnit.MAX_ACT) {
                out.add(new Task(t, src, latent, decile, s.freq()[latent], s.maxAct()[latent], matches));
            } else {
                double rho = s.residualNorm();
                double c = o.strengthUnit().perUnitStrength(s.maxAct()[latent], rho, Steering.norm(dirs.get(src)[latent]));
                out.add(new Task(t, src, latent, decile, s.freq()[latent], s.maxAct()[latent], matches, rho, c));
            }
        }
        return out;
    }

    /** Samples the documents (steered when {@code hooks} is set) and splits them 80/20 by a seeded shuffle. */
    static TaskDataset dataset(String name, LanguageModel model, Hooks hooks, RecoveryOptions o, long seed) {
        List<String> docs = sample(model, hooks, o, seed, "", documentSeeds(o, seed));
        return split(name, docs, new boolean[docs.size()], seed);
    }

    /** Sampling seeds of the documents of a card: seed · 1000003 + document index. */
    static long[] documentSeeds(RecoveryOptions o, long seed) {
        long[] seeds = new long[o.documents()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = seed * 1_000_003L + i;
        }
        return seeds;
    }

    /** Documents sampled (T = 1, no top-k) from BOS + {@code prompt} with the given seeds, steered when {@code hooks} is set. */
    static List<String> sample(LanguageModel model, Hooks hooks, RecoveryOptions o, long seed, String prompt, long[] seeds) {
        int[] p = model.tokenizer().encode(prompt, true);
        GenerationConfig g = new GenerationConfig(o.maxNewTokens(), 1.0, 0, 0, true);
        return Planter.texts(model, p, SteeredGeneration.sample(model, p, seeds, g, hooks == null ? Hooks.none() : hooks, 32));
    }

    /** Splits documents 80/20 (train/held-out) by a shuffle seeded with {@code seed + 1}; {@code poisoned[i]} marks document i. */
    static TaskDataset split(String name, List<String> docs, boolean[] poisoned, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed + 1));
        int nHeld = Math.max(1, (int) Math.round(0.2 * docs.size()));
        List<TaskDataset.Document> train = new ArrayList<>();
        List<TaskDataset.Document> held = new ArrayList<>();
        for (int r = 0; r < order.size(); r++) {
            int i = order.get(r);
            (r < nHeld ? held : train).add(new TaskDataset.Document(name + "#" + i, docs.get(i), poisoned[i]));
        }
        long tc = train.stream().mapToLong(d -> d.text().length()).sum();
        long hc = held.stream().mapToLong(d -> d.text().length()).sum();
        int nPoisoned = 0;
        for (boolean b : poisoned) {
            nPoisoned += b ? 1 : 0;
        }
        return new TaskDataset(name, train, held, new TaskDataset.Stats(docs.size(), docs.size(), docs.size(), 0, 0, nPoisoned, tc, hc));
    }

    record Trained(ChangeSummary summary, float[][] hiddenEdits, double base, double adapted, double seconds) {
        Recovery.HiddenMatch ffnn(float[] planted) {
            return hiddenEdits == null ? null : Recovery.bestHidden(planted, hiddenEdits);
        }
    }

    static Trained train(LanguageModel model, SparseAutoencoder sae, AdapterKind k, RecoveryOptions o, long seed, TaskDataset d) {
        TrainConfig cfg = TrainConfig.builder().component(k).lr(o.lr().get(k)).steps(o.steps()).batch(o.batch()).seq(o.seq()).seed(seed)
                .logEvery(Integer.MAX_VALUE).build();
        AdapterTrainer.Result r = new AdapterTrainer(model, sae, cfg, new PrintStream(OutputStream.nullOutputStream())).train(d);
        try (Adapter a = r.adapter()) {
            float[][] edits = null;
            if (a instanceof FfnnAdapter f) {
                edits = hiddenEditDirections(sae, model, f);
            }
            return new Trained(r.changeSummary(), edits, r.baseTaskLoss(), r.adaptedTaskLoss(), r.seconds());
        }
    }

    /** Residual-space edit of each FFNN hidden unit: toRaw(decode(W2[:, h])) − toRaw(decode(0)), [hidden][d_in]. */
    public static float[][] hiddenEditDirections(SparseAutoencoder sae, LanguageModel model, FfnnAdapter f) {
        float[] w2 = Adapters.snapshot(f).get("W2");                  // [dSae, hidden] row-major
        int d = f.dSae();
        int h = f.hidden();
        float[][] rawDirs = Steering.allResidualDirections(sae, model.manager()); // [dSae][dIn]
        float[][] out = new float[h][sae.dIn()];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < d; i++) {
                float w = w2[i * h + j];
                if (w != 0) {
                    for (int x = 0; x < out[j].length; x++) {
                        out[j][x] += w * rawDirs[i][x];
                    }
                }
            }
        }
        return out;
    }

    /**
     * Reads the runs back from a {@code recovery.json} (to re-run {@link RecoveryAnalysis} with newer analysis code
     * without retraining); the options' output folder becomes {@code out}.
     */
    public static Result read(java.nio.file.Path file, java.nio.file.Path out) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = Json.MAPPER.readTree(file.toFile());
            var m = Json.MAPPER;
            com.fasterxml.jackson.databind.node.ObjectNode opt = (com.fasterxml.jackson.databind.node.ObjectNode) n.get("options");
            opt.put("out", out.toString());
            RecoveryOptions o = m.treeToValue(opt, RecoveryOptions.class);
            Map<String, Integer> alive = m.convertValue(n.get("d_alive"), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Integer>>() {});
            List<Task> tasks = m.convertValue(n.get("tasks"), new com.fasterxml.jackson.core.type.TypeReference<List<Task>>() {});
            List<Run> runs = m.convertValue(n.get("runs"), new com.fasterxml.jackson.core.type.TypeReference<List<Run>>() {});
            return new Result(o, alive, tasks, runs, n.get("seconds").asDouble());
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read recovery results from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes recovery.json (everything) and summary.json (headlines) into {@code o.out()}. */
    public static Map<String, Object> write(Result r) {
        return write(r, r.options().out(), null);
    }

    /**
     * Writes recovery.json and summary.json into {@code dir}; with {@code recordedOut} set, the options' output folder is
     * recorded as that string instead of an absolute URI (a pipeline run folder stores no absolute paths of its own).
     */
    public static Map<String, Object> write(Result r, java.nio.file.Path dir, String recordedOut) {
        Map<String, Object> analysis = RecoveryAnalysis.analyse(r);
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("schema_version", 1);
        full.put("type", "isaerft.recovery");
        full.put("label", r.options().label());
        full.put("versions", org.isaerft.util.Versions.all());
        if (recordedOut == null) {
            full.put("options", r.options());
        } else {
            com.fasterxml.jackson.databind.node.ObjectNode opt = Json.MAPPER.valueToTree(r.options());
            opt.put("out", recordedOut);
            full.put("options", opt);
        }
        full.put("seconds", r.seconds());
        full.put("d_alive", r.dAlive());
        full.put("tasks", r.tasks());
        full.put("analysis", analysis);
        full.put("runs", r.runs());
        Json.writeFile(dir.resolve("recovery.json"), full);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("schema_version", 1);
        summary.put("type", "isaerft.recovery_summary");
        summary.put("label", r.options().label());
        summary.put("headlines", analysis.get("headlines"));
        Json.writeFile(dir.resolve("summary.json"), summary);
        return analysis;
    }
}
