package org.isaerft.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.util.Json;

/**
 * A small hand-made run folder with known answers: adapters on 4 cards whose "scale" component lowers
 * the held-out loss on every card and whose "bias" component goes both ways; a method "good" whose
 * relevance AUROC is far above chance on every card and a method "weak" at chance; a control card
 * row with a tiny p (a significant control); an audit row with a hostile description.
 */
final class TinyRun {
    private TinyRun() {}

    static final String HOOK = "blocks.0.hook_resid_pre";
    static final String HOSTILE = "<script>alert('x')</script> a | b";
    static final List<String> TASKS = List.of("t1", "t2", "t3", "t4");
    /** adapted − base per card, component scale: all clearly negative. */
    static final double[] SCALE = {-0.05, -0.04, -0.06, -0.05};
    /** adapted − base per card, component bias: both signs, mean 0. */
    static final double[] BIAS = {0.01, -0.01, 0.02, -0.02};
    static final double[] GOOD = {0.80, 0.75, 0.85, 0.80};
    static final double[] WEAK = {0.50, 0.45, 0.55, 0.52};

    static Path write(Path dir) {
        return write(dir, TASKS);
    }

    /** Writes the run folder for the given cards (a prefix of {@link #TASKS}). */
    static Path write(Path dir, List<String> tasks) {
        Map<String, Object> rc = new LinkedHashMap<>();
        rc.put("run_id", "tiny");
        rc.put("config", Map.of("model", "toy", "seed", 0, "corpus", Map.of("tokens", 100), "saes", List.of(Map.of("name", "local", "hook", HOOK))));
        rc.put("versions", Map.of("isaerft", "test", "git_commit", "abc"));
        rc.put("llm", Map.of("input_tokens", 0, "output_tokens", 0, "cost_usd", 0.0));
        rc.put("timing", Map.of("adapters", Map.of("seconds", 1.5, "cpu_seconds", 1.0, "skipped", false)));
        Json.writeFile(dir.resolve("run_config.json"), rc);

        List<Map<String, Object>> adapters = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            String t = tasks.get(i);
            adapters.add(adapter(t, "scale", SCALE[i]));
            adapters.add(adapter(t, "bias", BIAS[i]));
            rows.add(row(t, "good", null, GOOD[i], 0.001));
            rows.add(row(t, "weak", null, WEAK[i], 0.5));
        }
        rows.add(row("control", "good", null, 0.9, 0.0005)); // a significant control card row
        rows.add(row(tasks.get(0), "good", "shuffled", 0.5, 0.6));
        Json.writeFile(dir.resolve("adapters/summary.json"), Map.of("adapters", adapters));
        Json.writeFile(dir.resolve("validate/comparison.json"), Map.of("schema_version", 1, "type", "comparison", "rows", rows,
                "paired", List.of(), "excluded_tasks", List.of("control")));
        Map<String, Object> flagged = new LinkedHashMap<>();
        flagged.put("sae", "local");
        flagged.put("task", tasks.get(0));
        flagged.put("component", "scale");
        flagged.put("method", "good");
        flagged.put("latent", HOOK + "/3");
        flagged.put("change", 0.02);
        flagged.put("relevance", 0.01);
        flagged.put("description", HOSTILE);
        flagged.put("example", "<img src=x onerror=alert(1)>");
        Json.writeFile(dir.resolve("validate/audit.json"), Map.of("flagged", List.of(flagged)));
        // one dashboard page, so latent 3 links and latent 4 does not
        try {
            Files.createDirectories(dir.resolve("dashboards/local/latents"));
            Files.writeString(dir.resolve("dashboards/local/latents/" + HOOK + "__3.html"), "<html></html>");
            Files.createDirectories(dir.resolve("explain/local/good"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Json.writeFile(dir.resolve("explain/local/good/latent_descriptions.json"), Map.of(HOOK + "/3", HOSTILE, HOOK + "/4", "dogs"));
        return dir;
    }

    static Map<String, Object> adapter(String task, String component, double delta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sae", "local");
        m.put("task", task);
        m.put("component", component);
        m.put("trainable_params", 8);
        m.put("base_task_loss", 2.0);
        m.put("adapted_task_loss", 2.0 + delta);
        m.put("top_changed_latents", List.of(Map.of("latent", 3), Map.of("latent", 4)));
        return m;
    }

    static Map<String, Object> row(String task, String method, String control, double auroc, double p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("sae_type", "local");
        m.put("sae", "local");
        m.put("component", "scale");
        m.put("method", method);
        if (control != null) {
            m.put("control", control);
        }
        m.put("auroc", auroc);
        m.put("auroc_ci", Map.of("low", auroc - 0.1, "high", auroc + 0.1));
        m.put("p_auroc", p);
        m.put("n_flagged", 1);
        m.put("audit_k", 5);
        m.put("n_latents", 20);
        return m;
    }

    /**
     * A recovery stage output in the real format: {@code RecoveryBenchmark.write} of a hand-made result (d_alive 100, so
     * chance@5 = 0.05). 6 tasks at S=4: on local/scale the planted answers rank 1–4 (recall@5 1), on e2e/scale 30–80 (0);
     * a sweep S ∈ {1, 8} on tasks 0–2 of local (recall@5 0 and 1). The unsteered twin ranks them 40–90, or with
     * {@code leakyControl} 1–3 on local (a control above chance). The random-latent plant is at 0.05, or 0.6 with
     * {@code leakyRandom}.
     */
    static void writeRecovery(Path run, boolean leakyControl, boolean leakyRandom) {
        var o = org.isaerft.recovery.RecoveryOptions.builder().saes(Map.of("local", "l", "e2e", "e")).components(
                List.of(org.isaerft.adapter.AdapterKind.SCALE)).tasks(6).seeds(List.of(0L)).strength(4).sweep(List.of(1.0, 8.0))
                .sweepTasks(3).scanCorpus(Path.of("corpus.txt")).out(run.resolve("recovery")).build();
        List<org.isaerft.recovery.RecoveryBenchmark.Task> tasks = new ArrayList<>();
        List<org.isaerft.recovery.RecoveryBenchmark.Run> runs = new ArrayList<>();
        double[] good = {1, 2, 3, 1, 4, 2};
        double[] bad = {30, 40, 50, 60, 70, 80};
        for (int t = 0; t < 6; t++) {
            var m = new org.isaerft.validate.Recovery.Match(t, 1.0, true);
            tasks.add(new org.isaerft.recovery.RecoveryBenchmark.Task(t, "local", t, t, 0.1, 1.0, Map.of("local", m, "e2e", m)));
            double random = leakyRandom ? (t % 5 == 0 ? 0.5 : 0.6) : (t % 2 == 0 ? 0.04 : 0.06);
            runs.add(run(t, 4, false, "local", good[t], random));
            runs.add(run(t, 0, true, "local", leakyControl ? 1 + t % 3 : 40 + 10 * t, Double.NaN));
            runs.add(run(t, 4, false, "e2e", bad[t], t % 2 == 0 ? 0.04 : 0.06));
            runs.add(run(t, 0, true, "e2e", 40 + 10 * t, Double.NaN));
            if (t < 3) {
                runs.add(run(t, 1, false, "local", 40, 0.05));
                runs.add(run(t, 8, false, "local", 1, 0.05));
            }
        }
        Path dir = run.resolve("recovery");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        org.isaerft.recovery.RecoveryBenchmark.write(new org.isaerft.recovery.RecoveryBenchmark.Result(o, Map.of("local", 100, "e2e", 100),
                tasks, runs, 1.0), dir, "recovery");
    }

    private static org.isaerft.recovery.RecoveryBenchmark.Run run(int task, double strength, boolean control, String sae, double rank,
            double random) {
        List<Double> recall = new ArrayList<>();
        for (int k : org.isaerft.validate.Recovery.KS) {
            recall.add(rank <= k ? 1.0 : 0.0);
        }
        List<org.isaerft.validate.Recovery.Ranking> rk = List.of(
                new org.isaerft.validate.Recovery.Ranking("param_change", List.of(rank), recall, 1 - rank / 100, 100),
                new org.isaerft.validate.Recovery.Ranking("mean_abs_delta", List.of(rank), recall, 1 - rank / 100, 100));
        return new org.isaerft.recovery.RecoveryBenchmark.Run(task, 0, strength, control, sae, "scale", task, 1.0, true, rk, null, random,
                control ? Double.NaN : 3.0, control ? Double.NaN : 2.5, 1.0);
    }
}
