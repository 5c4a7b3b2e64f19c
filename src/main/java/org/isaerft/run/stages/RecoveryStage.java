package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.config.RunConfig;
import org.isaerft.recovery.RecoveryBenchmark;
import org.isaerft.recovery.RecoveryOptions;
import org.isaerft.config.ProjectHome;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.StageId;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SparseAutoencoder;

/**
 * The known-answer recovery benchmark ({@link RecoveryBenchmark#run}) on the run's model and SAEs, written to
 * {@code recovery/recovery.json} (tasks, every adapter run, the analysis) and {@code recovery/summary.json} (headlines).
 * Optional: {@link Stages#all} lists it only when the config has a {@code recovery:} section. An interrupted stage is
 * redone from the start (the benchmark holds no per-task state worth resuming at the demo's size).
 */
public final class RecoveryStage extends ConfiguredStage<RecoveryStage.Output> {
    /**
     * @param tasks       planted tasks
     * @param adapterRuns adapter runs on planted cards (the unsteered-twin rows excluded)
     * @param saes        SAEs planted from and recovered with
     */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int tasks, int adapterRuns, int saes) {
        public Output {
            Stages.checkOutput(schemaVersion, tasks, adapterRuns, saes);
        }
    }

    public RecoveryStage(RunConfig config) {
        super(StageId.RECOVERY, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("corpus", config.corpus().path());
        slice.put("recovery", config.recovery());
    }

    /** The benchmark's options for this run: the config's section with its defaults, the run's SAEs and corpus. */
    static RecoveryOptions options(RunConfig config, ProjectHome home, List<SaeInfo> saes, java.nio.file.Path out) {
        RunConfig.RecoverySection r = config.recovery();
        Map<String, String> specs = new LinkedHashMap<>();
        for (SaeInfo s : saes) {
            if (r.saes().isEmpty() || r.saes().contains(s.name())) {
                specs.put(s.name(), s.spec());
            }
        }
        List<AdapterKind> components = r.components().stream().map(AdapterKind::parse).toList();
        Map<AdapterKind, Double> lr = new LinkedHashMap<>();
        for (AdapterKind k : components) {
            lr.put(k, r.lr().getOrDefault(k.id(), TrainConfig.defaultLr(k)));
        }
        List<Long> seeds = r.seeds().isEmpty() ? List.of(config.seed()) : r.seeds();
        return RecoveryOptions.builder().modelSpec(config.model()).saes(specs).components(components).tasks(r.tasks()).seeds(seeds)
                .strength(r.strength()).strengthUnit(org.isaerft.recovery.StrengthUnit.parse(r.strengthUnit())).sweep(r.sweep()).sweepTasks(r.sweepTasks()).documents(r.documents())
                .maxNewTokens(r.maxNewTokens()).steps(r.steps()).batch(r.batch()).seq(r.seq()).lr(lr)
                .scanCorpus(home.resolve(config.corpus().path())).scanWindows(r.scanWindows()).out(out)
                .label("pipeline stage recovery of run " + config.runId()).build();
    }

    @Override
    public Output run(StageContext ctx) {
        RecoveryOptions o = options(config, ctx.home(), ctx.saes(), ctx.layout().stage(StageId.RECOVERY));
        String hook = null;
        Map<String, SparseAutoencoder> saes = new LinkedHashMap<>();
        List<Sae> opened = new ArrayList<>();
        try {
            for (SaeInfo info : ctx.saes()) {
                if (!o.saes().containsKey(info.name())) {
                    continue;
                }
                if (hook != null && !hook.equals(info.hook())) {
                    throw new Stage.StageFailure(id(), "all recovery SAEs must share one hook; " + info.name() + " is at " + info.hook()
                            + ", not " + hook);
                }
                hook = info.hook();
                Sae sae = ctx.openSae(info);
                opened.add(sae);
                saes.put(info.name(), sae);
            }
            if (saes.isEmpty()) {
                throw new Stage.StageFailure(id(), "none of the SAEs " + o.saes().keySet() + " is in the run");
            }
            PrintStream log = ctx.log();
            ctx.log().printf("  [recovery] %d tasks x %s x %s, seeds %s, S=%s, sweep %s%n", o.tasks(), saes.keySet(),
                    o.components().stream().map(AdapterKind::id).toList(), o.seeds(), o.strength(), o.sweep());
            RecoveryBenchmark.Result r = RecoveryBenchmark.run(o, ctx.model(), saes, log);
            RecoveryBenchmark.write(r, ctx.layout().stage(StageId.RECOVERY), StageId.RECOVERY.id());
            int runs = (int) r.runs().stream().filter(x -> !x.control()).count();
            if (runs == 0) {
                throw new Stage.StageFailure(id(), "no adapter was trained on a planted card");
            }
            return new Output(Stages.OUTPUT_SCHEMA_VERSION, r.tasks().size(), runs, saes.size());
        } finally {
            for (Sae s : opened) {
                s.close();
            }
        }
    }
}
