package org.isaerft.run;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.hub.HubClient;
import org.isaerft.llm.LlmRunSummary;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.run.stages.Stages;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Runs a {@link RunConfig} stage by stage ({@link Stages#all}: saes → adapters → mine → explain → score → validate →
 * [recovery] → report) under one run folder ({@link RunLayout}); this class is only the orchestration: order, markers, resume,
 * {@code --force}, timing and {@code run_config.json}. Before the first stage, {@link RunCheck} checks everything the
 * run needs and lists every problem at once.
 *
 * <p>Resumable: a stage whose {@code _SUCCESS} matches its current input hash is skipped; a stage started with the same
 * inputs but not finished continues where it stopped (removing the temporaries an interrupted write left); a stage whose
 * inputs changed is cleared and redone. {@code force} clears the named stages and every stage downstream of them before
 * the first stage runs, so they are redone. Input hashes chain the config slices (no nonces, no output folder), so two
 * runs of one config write the same markers outside timing fields and a moved run folder resumes with every stage skipped.
 */
public final class Pipeline {
    private final RunConfig config;
    private final Path configFile;
    private final RunLayout layout;
    private final Set<StageId> force;
    private final PrintStream log;
    private final ExplainerFactory explainers;
    private final HubClient hub;
    private final ProjectHome home;
    private final Function<String, String> env;
    private final Map<String, Object> timing = new LinkedHashMap<>();

    private Pipeline(Builder b) {
        this.config = b.config;
        this.configFile = b.configFile;
        this.layout = new RunLayout(b.out);
        this.force = b.force;
        this.log = b.log;
        this.env = b.env;
        this.home = b.home;
        this.explainers = b.explainers != null ? b.explainers : new DefaultExplainers(config, home, env);
        this.hub = b.hub != null ? b.hub : HubClient.builder().home(home).quiet(true).build();
    }

    /** @param home the project the config's relative paths, task cards, prompts and catalogues are resolved in */
    public static Builder builder(RunConfig config, Path out, ProjectHome home) {
        return new Builder(config, out, home);
    }

    /** Options of a run. */
    public static final class Builder {
        private final RunConfig config;
        private final Path out;
        private final ProjectHome home;
        private Path configFile;
        private final Set<StageId> force = EnumSet.noneOf(StageId.class);
        private PrintStream log = System.err;
        private ExplainerFactory explainers;
        private HubClient hub;
        private Function<String, String> env = System::getenv;

        private Builder(RunConfig config, Path out, ProjectHome home) {
            if (config == null || out == null || home == null) {
                throw new IllegalArgumentException("a pipeline needs a config, a run folder and a project home (run folder " + out + ")");
            }
            this.config = config;
            this.out = out;
            this.home = home;
        }

        public Builder configFile(Path p) { configFile = p; return this; }
        public Builder force(StageId s) { force.add(s); return this; }
        public Builder log(PrintStream p) { log = p; return this; }
        public Builder explainers(ExplainerFactory f) { explainers = f; return this; }
        /** The hub client for model aliases and pretrained SAEs (default: from the environment and the project home, quiet). */
        public Builder hub(HubClient h) { hub = h; return this; }
        /** Looks environment variables (LLM API keys) up by name (default: the process environment). */
        public Builder env(Function<String, String> e) { env = e; return this; }

        public Pipeline build() {
            return new Pipeline(this);
        }
    }

    /** What one invocation did per stage: "ran" or "skipped". */
    public record Outcome(Map<StageId, String> stages, Path out) {}

    /** Everything the run needs that is missing or wrong (empty when the run can start); runs no stage. */
    public List<String> check() {
        return new RunCheck(config, home, env).problems();
    }

    /** Checks the run ({@link #check()}), then runs every stage in order; returns what was done. */
    public Outcome run() {
        List<String> problems = check();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("run " + config.runId() + (configFile == null ? "" : " (" + configFile + ")") + " cannot start, "
                    + problems.size() + " problem(s):\n  - " + String.join("\n  - ", problems));
        }
        RunFiles.mkdirs(layout.root());
        for (StageId s : downstreamOf(force)) {
            RunFiles.deleteTree(layout.stage(s));
        }
        Map<StageId, String> done = new LinkedHashMap<>();
        writeRunConfig(null, Map.of());
        List<Stage<?>> stages = Stages.all(config);
        for (StageId s : StageId.values()) { // an optional stage the config no longer asks for leaves no stale output
            if (stages.stream().noneMatch(x -> x.id() == s)) {
                RunFiles.deleteTree(layout.stage(s));
            }
        }
        try (StageContext ctx = new StageContext(config, home, layout, log, hub, explainers, env)) {
            for (Stage<?> s : stages) {
                done.put(s.id(), runStage(s, ctx));
                writeRunConfig(done, ctx.llmUsage());
            }
        }
        return new Outcome(done, layout.root());
    }

    /** The given stages and every stage that reads one of them, directly or not. */
    static Set<StageId> downstreamOf(Set<StageId> stages) {
        Set<StageId> out = EnumSet.noneOf(StageId.class);
        for (StageId s : StageId.values()) { // in order, so inputs are decided before their readers
            if (stages.contains(s) || s.inputs().stream().anyMatch(out::contains)) {
                out.add(s);
            }
        }
        return out;
    }

    private String runStage(Stage<?> s, StageContext ctx) {
        Path dir = layout.stage(s.id());
        String hash = inputHash(s);
        StageMarker ok = StageMarker.read(dir, StageMarker.SUCCESS);
        if (ok != null && ok.inputHash().equals(hash)) {
            log.printf("[%s] done (inputs unchanged), skipped%n", s.id().id());
            timing.put(s.id().id(), Map.of("skipped", true, "seconds", ok.seconds(), "cpu_seconds", ok.cpuSeconds()));
            return "skipped";
        }
        StageMarker started = StageMarker.read(dir, StageMarker.STARTED);
        if (ok != null || started == null || !started.inputHash().equals(hash)) {
            String why = force.contains(s.id()) ? "forced" : ok != null ? "inputs changed"
                    : started != null ? "inputs changed since the interrupted run" : "new";
            log.printf("[%s] starting (%s)%n", s.id().id(), why);
            RunFiles.deleteTree(dir);
        } else {
            int stale = RunFiles.deleteStaleTemporaries(dir);
            log.printf("[%s] resuming an interrupted run%s%n", s.id().id(), stale == 0 ? "" : " (" + stale + " stale temporaries removed)");
        }
        RunFiles.mkdirs(dir);
        Json.writeFile(dir.resolve(StageMarker.STARTED), new StageMarker(StageMarker.SCHEMA_VERSION, s.id().id(), hash, null, 0, 0, null));
        long t0 = System.nanoTime();
        double cpu0 = RunFiles.cpuSeconds();
        Record output = s.run(ctx);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = RunFiles.cpuSeconds() - cpu0;
        Map<String, Object> out = RunCodec.toMap(output);
        Json.writeFile(dir.resolve(StageMarker.SUCCESS), new StageMarker(StageMarker.SCHEMA_VERSION, s.id().id(), hash,
                Instant.now().toString(), secs, cpu, out));
        timing.put(s.id().id(), Map.of("skipped", false, "seconds", secs, "cpu_seconds", cpu));
        out.remove("schema_version");
        log.printf("[%s] finished in %.1f s (cpu %.1f s) %s%n", s.id().id(), secs, cpu, out);
        return "ran";
    }

    /** Hash of the stage's config slice and the input hashes of the finished stages it reads. */
    String inputHash(Stage<?> s) {
        StringBuilder sb = new StringBuilder(s.id().id()).append('\n').append(Json.line(s.configSlice()));
        for (StageId in : s.id().inputs()) {
            StageMarker m = StageMarker.read(layout.stage(in), StageMarker.SUCCESS);
            sb.append('\n').append(in.id()).append('=').append(m == null ? "missing" : m.inputHash());
        }
        return Hashing.sha256(sb.toString());
    }

    private void writeRunConfig(Map<StageId, String> done, Map<String, LlmRunSummary> llmUsage) {
        Map<String, Object> rc = new LinkedHashMap<>();
        rc.put("schema_version", 1);
        rc.put("type", "run_config");
        rc.put("run_id", config.runId());
        rc.put("config_file", configFile == null ? null : configFile.toAbsolutePath().toString());
        rc.put("config", config);
        rc.put("seeds", Map.of("run", config.seed(), "mining", config.seed(), "adapters", config.seed(), "scoring", config.seed()));
        rc.put("versions", Versions.all());
        rc.put("prompts", DefaultExplainers.promptRefs(config, home));
        rc.put("force", force.stream().map(StageId::id).toList());
        rc.put("stages", done == null ? Map.of() : done.entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().id(), Map.Entry::getValue, (x, y) -> x, LinkedHashMap::new)));
        rc.put("timing", timing);
        double cost = 0;
        long in = 0;
        long outTok = 0;
        for (LlmRunSummary s : llmUsage.values()) {
            cost += s.costUsd();
            in += s.inputTokens();
            outTok += s.outputTokens();
        }
        rc.put("llm", Map.of("runs", llmUsage, "input_tokens", in, "output_tokens", outTok, "cost_usd", cost));
        rc.put("updated_at", Instant.now().toString());
        Json.writeFile(layout.runConfig(), rc);
    }
}
