package org.isaerft.run;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LogitLens;
import org.isaerft.activations.Miner;
import org.isaerft.activations.MiningConfig;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningOutput;
import org.isaerft.activations.Sequences;
import org.isaerft.activations.TokenSequence;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterOutputs;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.config.RunConfig;
import org.isaerft.data.CorpusReader;
import org.isaerft.data.RawDocument;
import org.isaerft.explain.ExplainRun;
import org.isaerft.explain.Explanation;
import org.isaerft.hub.HubClient;
import org.isaerft.hub.HubFile;
import org.isaerft.hub.ModelRegistry;
import org.isaerft.hub.ModelSpec;
import org.isaerft.llm.LlmRunSummary;
import org.isaerft.model.HookPoint;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.report.Report;
import org.isaerft.sae.PretrainedSaes;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.sae.SaeResolver;
import org.isaerft.score.EmbeddingScorer;
import org.isaerft.score.ScoreRunner;
import org.isaerft.score.ScoreMath;
import org.isaerft.validate.Comparison;
import org.isaerft.validate.EmbeddingRelevance;
import org.isaerft.validate.TaskExpectation;
import org.isaerft.validate.TriggerLatents;
import org.isaerft.validate.Validation;
import org.isaerft.validate.ValidationInputs;
import org.isaerft.validate.Validator;
import org.isaerft.score.ScoreSummary;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Runs a {@link RunConfig}: SAEs (load or train) → adapters (task cards × components × SAEs) →
 * mine → explain → score → validate → report, under one output folder:
 * <pre>
 *   run_config.json       resolved config, seeds, versions, prompts, stage timing, LLM usage and cost (no secrets)
 *   saes/saes.json        the SAEs used (name, type, spec, hook, sizes)
 *   adapters/SAE/TASK/COMPONENT/   adapter.safetensors, metadata.json, change_summary.json
 *   mine/SAE/             LatentRecords + index.json
 *   explain/SAE/records/  the records chosen for explanation; explain/SAE/METHOD/ ExplainRun outputs
 *   score/SAE/METHOD/SCORER/   scores.jsonl + summary.json
 *   validate/             validation.json (every adapter × method), comparison.json, audit.json
 *   report.html, report.md, summary.json, dashboards/SAE/
 *   STAGE/_SUCCESS        the stage's marker ({@link StageMarker})
 * </pre>
 * Resumable: a stage whose {@code _SUCCESS} matches its current input hash is skipped; a stage
 * that was started with the same inputs but not finished continues where it stopped (adapters,
 * mined SAEs and explained latents already on disk are kept); a stage whose inputs changed is
 * cleared and redone; {@code force} redoes the named stages, which makes every stage downstream stale.
 */
public final class Pipeline {
    /** Windows without the trigger phrase sampled for the trigger-latent search of the validate stage. */
    static final int TRIGGER_MAX_WITHOUT = 400;
    private final RunConfig config;
    private final Path configFile;
    private final Path out;
    private final Set<Stage> force;
    private final PrintStream log;
    private final ExplainerFactory explainers;
    private final HubClient hub;
    private final Map<String, Object> timing = new LinkedHashMap<>();
    private final Map<String, LlmRunSummary> llmUsage = new LinkedHashMap<>();
    private LanguageModel model;
    private NDManager manager;

    private Pipeline(Builder b) {
        this.config = b.config;
        this.configFile = b.configFile;
        this.out = b.out.toAbsolutePath().normalize();
        this.force = b.force;
        this.log = b.log;
        this.explainers = b.explainers != null ? b.explainers : new DefaultExplainers(config);
        this.hub = b.hub != null ? b.hub : HubClient.builder().quiet(true).build();
    }

    public static Builder builder(RunConfig config, Path out) {
        return new Builder(config, out);
    }

    /** Options of a run. */
    public static final class Builder {
        private final RunConfig config;
        private final Path out;
        private Path configFile;
        private final Set<Stage> force = EnumSet.noneOf(Stage.class);
        private PrintStream log = System.err;
        private ExplainerFactory explainers;
        private HubClient hub;

        private Builder(RunConfig config, Path out) {
            this.config = config;
            this.out = out;
        }

        public Builder configFile(Path p) { configFile = p; return this; }
        public Builder force(Stage s) { force.add(s); return this; }
        public Builder log(PrintStream p) { log = p; return this; }
        public Builder explainers(ExplainerFactory f) { explainers = f; return this; }
        /** The hub client for model aliases and pretrained SAEs (default: from the environment, quiet). */
        public Builder hub(HubClient h) { hub = h; return this; }

        public Pipeline build() {
            return new Pipeline(this);
        }
    }

    /** What one invocation did per stage: "ran" or "skipped". */
    public record Outcome(Map<Stage, String> stages, Path out) {}

    /** Runs every stage in order; returns what was done. */
    public Outcome run() {
        mkdirs(out);
        Map<Stage, String> done = new LinkedHashMap<>();
        writeRunConfig(null);
        try {
            for (Stage s : Stage.values()) {
                done.put(s, runStage(s));
                writeRunConfig(done);
            }
        } finally {
            closeModel();
        }
        return new Outcome(done, out);
    }

    private String runStage(Stage s) {
        Path dir = out.resolve(s.id());
        String hash = inputHash(s);
        StageMarker ok = StageMarker.read(dir, StageMarker.SUCCESS);
        boolean forced = force.contains(s);
        if (!forced && ok != null && ok.inputHash().equals(hash)) {
            log.printf("[%s] done (inputs unchanged), skipped%n", s.id());
            timing.put(s.id(), Map.of("skipped", true, "seconds", ok.seconds(), "cpu_seconds", ok.cpuSeconds()));
            return "skipped";
        }
        StageMarker started = StageMarker.read(dir, StageMarker.STARTED);
        if (forced || ok != null || started == null || !started.inputHash().equals(hash)) {
            String why = forced ? "forced" : ok != null ? "inputs changed" : started != null ? "inputs changed since the interrupted run" : "new";
            log.printf("[%s] starting (%s)%n", s.id(), why);
            deleteTree(dir);
        } else {
            log.printf("[%s] resuming an interrupted run%n", s.id());
        }
        mkdirs(dir);
        Json.writeFile(dir.resolve(StageMarker.STARTED), new StageMarker(StageMarker.SCHEMA_VERSION, s.id(), hash, "started",
                Instant.now().toString(), 0, 0, Map.of()));
        long t0 = System.nanoTime();
        double cpu0 = cpuSeconds();
        Map<String, Object> counts = switch (s) {
            case SAES -> saes(dir);
            case ADAPTERS -> adapters(dir);
            case MINE -> mine(dir);
            case EXPLAIN -> explain(dir);
            case SCORE -> score(dir);
            case VALIDATE -> validate(dir);
            case REPORT -> report(dir);
        };
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = cpuSeconds() - cpu0;
        Json.writeFile(dir.resolve(StageMarker.SUCCESS), new StageMarker(StageMarker.SCHEMA_VERSION, s.id(), hash,
                UUID.randomUUID().toString(), Instant.now().toString(), secs, cpu, counts));
        timing.put(s.id(), Map.of("skipped", false, "seconds", secs, "cpu_seconds", cpu));
        log.printf("[%s] finished in %.1f s (cpu %.1f s) %s%n", s.id(), secs, cpu, counts);
        return "ran";
    }

    /** Hash of the stage's config slice and the nonces of the stages it reads. */
    String inputHash(Stage s) {
        StringBuilder sb = new StringBuilder(s.id()).append('\n').append(Json.line(configSlice(s)));
        for (Stage in : s.inputs()) {
            StageMarker m = StageMarker.read(out.resolve(in.id()), StageMarker.SUCCESS);
            sb.append('\n').append(in.id()).append('=').append(m == null ? "missing" : m.nonce());
        }
        return Hashing.sha256(sb.toString());
    }

    private Object configSlice(Stage s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seed", config.seed());
        m.put("model", config.model());
        switch (s) {
            case SAES -> {
                m.put("saes", config.saes());
                if (config.saes().stream().anyMatch(x -> x.train() != null)) {
                    // training reads the corpus text, not the mining token budget
                    m.put("corpus", List.of(config.corpus().path(), String.valueOf(config.corpus().textField())));
                }
            }
            case ADAPTERS -> m.put("adapters", config.adapters());
            case MINE -> {
                m.put("corpus", config.corpus());
                m.put("mine", config.mine());
            }
            case EXPLAIN -> m.put("explain", config.explain());
            case SCORE -> m.put("score", config.score());
            case VALIDATE -> m.put("validate", config.validate());
            case REPORT -> m.put("report", Versions.isaerft());
        }
        return m;
    }

    // ---------------------------------------------------------------- model and SAEs

    private LanguageModel model() {
        if (model == null) {
            ModelSpec spec = ModelSpec.resolve(config.model(), ModelRegistry.project(), hub);
            manager = NDManager.newBaseManager();
            model = ModelFamilies.load(spec.dir(), manager);
            log.printf("  model %s (%s) loaded%n", config.model(), model.config().modelType());
        }
        return model;
    }

    private void closeModel() {
        if (model != null) {
            model.close();
            manager.close();
            model = null;
            manager = null;
        }
    }

    /** One SAE of the run as recorded in {@code saes/saes.json}. */
    public record SaeInfo(String name, String type, String spec, String hook, String id, int dIn, int dSae) {}

    /** Loads an SAE spec (local path or catalogue RELEASE/ID fetched through the hub). */
    static Sae openSae(String spec, String hook, NDManager parent, HubClient hub) {
        Path cat = PretrainedSaes.defaultFile();
        PretrainedSaes pretrained = Files.exists(cat) ? PretrainedSaes.load(cat) : null;
        SaeLoadOptions o = hook == null ? SaeLoadOptions.defaults() : SaeLoadOptions.atHook(HookPoint.parse(hook));
        String s = spec;
        if (!spec.contains("/") || Files.exists(Paths.resolve(spec))) {
            s = Paths.resolve(spec).toString();
        }
        return new SaeResolver(pretrained, (repo, revision, path) -> hub.fetch(HubFile.model(repo, revision, path))).resolve(s, o, parent);
    }

    private List<SaeInfo> saeInfos() {
        try {
            return List.of(Json.MAPPER.readValue(out.resolve("saes/saes.json").resolve("").toFile(), SaeInfoList.class).saes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + out.resolve("saes/saes.json"), e);
        }
    }

    record SaeInfoList(@com.fasterxml.jackson.annotation.JsonProperty("schema_version") int schemaVersion, SaeInfo[] saes) {}

    private Sae loadSae(SaeInfo info) {
        return openSae(info.spec(), info.hook(), model().manager(), hub);
    }

    private Map<String, Object> saes(Path dir) {
        List<SaeInfo> infos = new ArrayList<>();
        int trained = 0;
        for (RunConfig.SaeSection s : config.saes()) {
            String spec = s.spec();
            boolean missing = spec == null || (!spec.contains("/") || spec.startsWith(".") || spec.startsWith("results/"))
                    && !Files.exists(Paths.resolve(spec));
            if (s.train() != null && missing) {
                Path sdir = dir.resolve(s.name());
                if (!Files.isRegularFile(sdir.resolve("cfg.json"))) {
                    trainSae(s, sdir);
                    trained++;
                }
                spec = sdir.toString();
            } else if (Files.exists(Paths.resolve(spec))) {
                spec = Paths.resolve(spec).toString();
            }
            log.printf("  [saes] %s: %s%n", s.name(), spec);
            try (Sae sae = openSae(spec, s.hook(), model().manager(), hub)) {
                if (!model().hookPoints().contains(sae.hookPoint())) {
                    throw new IllegalArgumentException("saes[" + s.name() + "]: hook " + sae.hookPoint() + " is not a hook point of model "
                            + config.model());
                }
                infos.add(new SaeInfo(s.name(), s.type(), spec, sae.hookPoint().toString(), sae.id(), sae.dIn(), sae.dSae()));
            }
        }
        Json.writeFile(dir.resolve("saes.json"), new SaeInfoList(1, infos.toArray(new SaeInfo[0])));
        return Map.of("saes", infos.size(), "trained", trained);
    }

    private void trainSae(RunConfig.SaeSection s, Path sdir) {
        RunConfig.TrainSection t = s.train();
        LanguageModel lm = model();
        HookPoint hook = HookPoint.parse(s.hook());
        org.isaerft.sae.train.TrainKind kind = org.isaerft.sae.train.TrainKind.parse(t.kind());
        List<HookPoint> downstream = new ArrayList<>();
        if (kind == org.isaerft.sae.train.TrainKind.E2E_DOWNSTREAM) {
            for (HookPoint p : lm.hookPoints()) {
                if (p.site().equals(HookPoint.RESID_PRE) && p.order() > hook.order()) {
                    downstream.add(p);
                }
            }
        }
        org.isaerft.sae.train.TrainConfig cfg = org.isaerft.sae.train.TrainConfig.builder(kind, hook, t.dSae()).l1(t.l1()).tokens(t.tokens())
                .batch(t.batch()).seq(t.seq()).lr(t.lr()).warmupSteps(t.warmupSteps()).seed(config.seed()).downstreamHooks(downstream)
                .logEvery(Math.max(1, (int) (t.tokens() / ((long) t.batch() * t.seq()) / 5))).build();
        org.isaerft.data.DocumentSplit split = new org.isaerft.data.DocumentSplit(0.1, config.seed());
        Path corpusPath = Paths.resolve(config.corpus().path());
        List<java.util.function.Supplier<Iterator<org.isaerft.data.Window>>> sources = List.of(() -> org.isaerft.data.Corpus
                .builder(corpusPath).tokenizer(lm.tokenizer()).seqLen(t.seq()).batchSize(1)
                .split(split, org.isaerft.data.DocumentSplit.Part.TRAIN).textField(config.corpus().textField()).build().windows());
        org.isaerft.sae.train.TrainData data = new org.isaerft.sae.train.TrainData(sources, 4096, config.seed());
        log.printf("  [saes] training %s SAE %s at %s: d_sae %d, %d steps%n", t.kind(), s.name(), hook, t.dSae(), cfg.steps());
        try (org.isaerft.sae.train.SaeTrainer trainer = org.isaerft.sae.train.SaeTrainer.start(lm, cfg, s.name(), config.model())) {
            org.isaerft.sae.train.TrainResult r = trainer.run(data, sdir.resolveSibling(s.name() + ".ckpt"), log, -1);
            trainer.sae().setTrainable(false);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("data", Map.of("corpus", corpusPath.toString(), "split", Map.of("part", "train", "held_out_fraction", 0.1,
                    "seed", config.seed())));
            extra.put("metrics", r);
            org.isaerft.sae.train.SaeTrainOutput.save(trainer, sdir, extra, "isaerft run (saes stage, " + s.name() + ")");
        }
    }

    // ---------------------------------------------------------------- adapters

    /** The folder of one adapter. */
    Path adapterDir(String sae, String task, String component) {
        return out.resolve("adapters").resolve(sae).resolve(task).resolve(component);
    }

    private Map<String, Object> adapters(Path dir) {
        RunConfig.AdapterSection a = config.adapters();
        if (a == null) {
            return Map.of("adapters", 0);
        }
        int trained = 0;
        int reused = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        int total = config.saes().size() * a.tasks().size() * a.components().size();
        int i = 0;
        for (SaeInfo info : saeInfos()) {
            try (Sae sae = loadSae(info)) {
                for (String task : a.tasks()) {
                    TaskCards.Loaded card = card(task, a);
                    TaskDataset data = DatasetBuilder.build(card);
                    for (String comp : a.components()) {
                        i++;
                        Path adir = adapterDir(info.name(), task, comp);
                        if (!Files.isRegularFile(adir.resolve(AdapterOutputs.METADATA))) {
                            log.printf("  [adapters %d/%d] %s × %s × %s%n", i, total, info.name(), task, comp);
                            TrainConfig tc = TrainConfig.builder().component(AdapterKind.valueOf(comp.toUpperCase(java.util.Locale.ROOT)))
                                    .hidden(a.hidden()).l1(a.l1()).lr(a.lr()).steps(a.steps()).batch(a.batch()).seq(a.seq())
                                    .seed(config.seed()).evalWindows(a.evalWindows()).logEvery(Math.max(1, a.steps() / 4)).build();
                            AdapterTrainer.Result res = new AdapterTrainer(model(), sae, tc, log).train(data);
                            try {
                                AdapterOutputs.write(adir, res, tc, model(), config.model(), sae, info.spec(), card, data);
                            } finally {
                                res.adapter().close();
                            }
                            trained++;
                        } else {
                            reused++;
                        }
                        Map<String, Object> meta = readMap(adir.resolve(AdapterOutputs.METADATA));
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("sae", info.name());
                        row.put("sae_type", info.type());
                        row.put("task", task);
                        row.put("component", comp);
                        row.put("dir", out.relativize(adir).toString());
                        row.put("trainable_params", meta.get("trainable_params"));
                        row.put("base_task_loss", meta.get("base_task_loss"));
                        row.put("adapted_task_loss", meta.get("adapted_task_loss"));
                        row.put("steps", ((Map<?, ?>) meta.get("hyperparameters")).get("steps"));
                        row.put("seconds", meta.get("seconds"));
                        ChangeSummary cs = Json.readFile(adir.resolve(AdapterOutputs.CHANGE_SUMMARY), ChangeSummary.class);
                        row.put("top_changed_latents", cs.top(20).stream()
                                .map(l -> Map.of("latent", l.latent(), "mean_abs_delta", l.meanAbsDelta(), "param_change", l.paramChange()))
                                .toList());
                        rows.add(row);
                    }
                }
            }
        }
        Json.writeFile(dir.resolve("summary.json"), Map.of("schema_version", 1, "adapters", rows));
        return Map.of("adapters", rows.size(), "trained_now", trained, "reused", reused);
    }

    private TaskCards.Loaded card(String task, RunConfig.AdapterSection a) {
        TaskCards.Loaded card = TaskCards.load(task);
        if (a.maxDocuments() == null) {
            return card;
        }
        TaskCard c = card.card();
        TaskCard.Data d = c.data();
        int max = d.maxDocuments() == null ? a.maxDocuments() : Math.min(d.maxDocuments(), a.maxDocuments());
        TaskCard limited = new TaskCard(c.schemaVersion(), c.name(), c.description(), c.expectedConcepts(),
                new TaskCard.Data(d.sources(), d.filter(), max, d.seed()), c.split(), c.knownRelevantLatents(), c.poison());
        return new TaskCards.Loaded(limited, card.file());
    }

    /** Change summaries of every adapter trained on an SAE. */
    List<ChangeSummary> changeSummaries(String sae) {
        List<ChangeSummary> list = new ArrayList<>();
        if (config.adapters() == null) {
            return list;
        }
        for (String task : config.adapters().tasks()) {
            for (String comp : config.adapters().components()) {
                Path f = adapterDir(sae, task, comp).resolve(AdapterOutputs.CHANGE_SUMMARY);
                if (Files.isRegularFile(f)) {
                    list.add(Json.readFile(f, ChangeSummary.class));
                }
            }
        }
        return list;
    }

    // ---------------------------------------------------------------- mine

    private Map<String, Object> mine(Path dir) {
        RunConfig.MineSection ms = config.mine();
        long tokens = 0;
        int records = 0;
        for (SaeInfo info : saeInfos()) {
            Path sdir = dir.resolve(info.name());
            if (Files.isRegularFile(sdir.resolve(MiningIndex.FILE))) {
                records += MiningOutput.readIndex(sdir).latents().size();
                continue;
            }
            try (Sae sae = loadSae(info)) {
                LanguageModel lm = model();
                MiningConfig mc = MiningConfig.DEFAULT.withTopK(ms.topK()).withWindow(ms.window()).withPerDecile(ms.perDecile())
                        .withRandom(ms.nRandom()).withSeed(config.seed());
                long budget = config.corpus().tokens();
                long[] seen = {0};
                Miner miner = Miner.builder(lm, sae).config(mc).batchSize(config.corpus().batch()).seqLen(config.corpus().seqLen())
                        .source(info.hook()).progress((tok, seqs, secs) -> {
                            if (seqs % (config.corpus().batch() * 8L) == 0) {
                                log.printf("  [mine %s] %d/%d tokens, %.0f tok/s%n", info.name(), tok, budget, tok / Math.max(secs, 1e-9));
                            }
                        }).build();
                Path corpus = Paths.resolve(config.corpus().path());
                try (CorpusReader reader = CorpusReader.open(corpus, config.corpus().textField())) {
                    Iterator<org.isaerft.data.TokenizedDocument> docs = new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return reader.hasNext();
                        }

                        @Override
                        public org.isaerft.data.TokenizedDocument next() {
                            return org.isaerft.data.Corpus.tokenize(reader.next(), lm.tokenizer());
                        }
                    };
                    OptionalInt bos = lm.tokenizer().prependsBos() ? lm.tokenizer().bosId() : OptionalInt.empty();
                    Iterator<TokenSequence> seqs = Sequences.chunk(docs, org.isaerft.data.TokenizedDocument::index,
                            org.isaerft.data.TokenizedDocument::tokens, config.corpus().seqLen(), bos);
                    Iterator<TokenSequence> limited = new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return seen[0] < budget && seqs.hasNext();
                        }

                        @Override
                        public TokenSequence next() {
                            TokenSequence s = seqs.next();
                            seen[0] += s.minedLength();
                            return s;
                        }
                    };
                    Miner.Result res = miner.mine(limited);
                    List<LogitLens[]> lenses = miner.logitLenses(10);
                    var strings = MiningOutput.tokenStrings(res.accumulators(), id -> lm.tokenizer().tokenString(id));
                    MiningIndex idx = MiningOutput.write(sdir, List.of(new MiningOutput.SourceState(res.accumulators().get(0), lenses.get(0))),
                            strings, new MiningOutput.Provenance(config.model(), info.spec(), corpus.toString(), List.of(), res.tokensPerSecond()));
                    tokens += res.tokens();
                    records += idx.latents().size();
                    log.printf("  [mine %s] %d tokens, %d latents (%d dead), %.0f tok/s%n", info.name(), res.tokens(), idx.latents().size(),
                            idx.dead().size(), res.tokensPerSecond());
                }
            }
        }
        return Map.of("tokens_mined_now", tokens, "records", records);
    }

    // ---------------------------------------------------------------- explain

    /**
     * The latents of an SAE to explain: alive latents, most-changed first (round robin over the
     * adapters' change rankings), then a seeded random sample of the rest, up to max_latents.
     */
    List<String> selectLatentFiles(SaeInfo info) {
        Path mdir = out.resolve("mine").resolve(info.name());
        MiningIndex idx = MiningOutput.readIndex(mdir);
        Map<Integer, String> alive = new LinkedHashMap<>();
        for (MiningIndex.Entry e : idx.latents()) {
            if (!e.dead() && e.nExplain() > 0 && e.nScore() > 0) {
                alive.put(e.id().index(), e.file());
            }
        }
        int max = config.explain().maxLatents() == 0 ? alive.size() : Math.min(config.explain().maxLatents(), alive.size());
        LinkedHashSet<Integer> chosen = new LinkedHashSet<>();
        List<ChangeSummary> sums = changeSummaries(info.name());
        int half = max / 2;
        for (int rank = 0; chosen.size() < half && !sums.isEmpty() && rank < info.dSae(); rank++) {
            for (ChangeSummary cs : sums) {
                if (rank < cs.latents().size() && chosen.size() < half) {
                    int li = cs.latents().get(rank).latent();
                    if (alive.containsKey(li)) {
                        chosen.add(li);
                    }
                }
            }
        }
        List<Integer> rest = new ArrayList<>(alive.keySet());
        rest.removeAll(chosen);
        java.util.Collections.shuffle(rest, new Random(config.seed() ^ 0x5eedL));
        for (int li : rest) {
            if (chosen.size() >= max) {
                break;
            }
            chosen.add(li);
        }
        return chosen.stream().sorted().map(alive::get).toList();
    }

    private Map<String, Object> explain(Path dir) {
        int explained = 0;
        int failed = 0;
        for (SaeInfo info : saeInfos()) {
            Path recDir = dir.resolve(info.name()).resolve("records");
            if (!Files.isRegularFile(recDir.resolve("_COMPLETE"))) {
                mkdirs(recDir);
                Path mdir = out.resolve("mine").resolve(info.name());
                for (String f : selectLatentFiles(info)) {
                    copy(mdir.resolve(f), recDir.resolve(Path.of(f).getFileName().toString()));
                }
                AtomicFiles.writeString(recDir.resolve("_COMPLETE"), "{\"schema_version\": 1}\n");
            }
            for (String method : config.explain().methods()) {
                Path mdir = dir.resolve(info.name()).resolve(method);
                ExplainerFactory.Made made = explainers.create(method, out.resolve("llm_cache").resolve(method));
                log.printf("  [explain %s] %s%n", info.name(), method);
                ExplainRun run = new ExplainRun(made.explainer(), mdir,
                        new ExplainRun.Options(config.explain().threads(), 0, config.model(), info.id()), made.client(), made.prompt());
                ExplainRun.Summary s = run.run(recDir);
                explained += s.totalExplained();
                failed += s.totalFailed();
                if (s.llm() != null) {
                    llmUsage.put("explain/" + info.name() + "/" + method, s.llm());
                }
                log.printf("  [explain %s] %s: %d explained (%d now, %d reused), %d without explanation%n", info.name(), method,
                        s.totalExplained(), s.explainedNow(), s.reused(), s.totalFailed());
            }
        }
        return Map.of("explained", explained, "without_explanation", failed);
    }

    // ---------------------------------------------------------------- score

    private Map<String, Object> score(Path dir) {
        int n = 0;
        EmbeddingScorer scorer = new EmbeddingScorer();
        for (SaeInfo info : saeInfos()) {
            List<LatentRecord> records = ScoreRunner.loadRecords(out.resolve("explain").resolve(info.name()).resolve("records"));
            for (String method : config.explain().methods()) {
                Path efile = out.resolve("explain").resolve(info.name()).resolve(method).resolve("explanations.jsonl");
                List<Explanation> expl = hasLines(efile) ? ScoreRunner.loadExplanations(efile) : List.of();
                if (expl.isEmpty()) {
                    log.printf("  [score %s] %s: no explanations, skipped%n", info.name(), method);
                    continue;
                }
                for (String sc : config.score().scorers()) {
                    Path sdir = dir.resolve(info.name()).resolve(method).resolve(sc);
                    ScoreSummary s = ScoreRunner.run(scorer, records, expl, sdir,
                            new ScoreRunner.Options(config.seed(), config.score().bootstrap(), null), msg -> { });
                    n++;
                    log.printf("  [score %s] %s × %s: mean %s (shuffled %s)%n", info.name(), method, sc, s.explanations().mean(),
                            s.shuffled() == null ? "n/a" : s.shuffled().mean());
                }
            }
        }
        return Map.of("score_runs", n);
    }

    // ---------------------------------------------------------------- validate

    /**
     * One cell of the validate stage (SAE × task × component × method): the {@link Validation} of
     * {@code org.isaerft.validate}, or why there is none ({@code skipped}, e.g. too few described latents).
     *
     * @param sae        the SAE's name in the run config
     * @param saeType    its type in the run config
     * @param nDescribed change-summary latents with a description by the method
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record ValidationCell(String sae, String saeType, String task, String component, String method, int nDescribed,
            Validation validation, String skipped) {
        public ValidationCell {
            if ((validation == null) == (skipped == null)) {
                throw new IllegalArgumentException("validation cell " + sae + "/" + task + "/" + component + "/" + method
                        + ": exactly one of validation and skipped must be set");
            }
        }
    }

    /**
     * One off-task change of the data audit, with the cell it belongs to.
     *
     * @param exampleHasTrigger on a poisoned card: whether the latent's top example contains the trigger phrase
     * @param triggerLatent     on a poisoned card with a trigger search: whether the latent is one of the trigger latents
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record AuditEntry(String sae, String task, String component, String method, String latent, int changeRank, double change,
            double relevance, String description, String example, boolean poisonedCard, Boolean exampleHasTrigger, Boolean triggerLatent) {}

    /**
     * Validates every adapter against every explanation method with {@link Validator} (embedding
     * relevance, {@link org.isaerft.validate.RankStats}: AUROC + stratified bootstrap CI + permutation p,
     * shuffled-description and random-latent controls, audit of the most-changed latents), then
     * compares methods and SAE types with {@link Comparison} (paired e2e − local differences).
     * k = min(top_k, n/2) for n described latents; a cell with k &lt; 1 is recorded as skipped.
     */
    private Map<String, Object> validate(Path dir) {
        if (config.validate() == null || config.adapters() == null) {
            return Map.of("validations", 0);
        }
        RunConfig.ValidateSection vc = config.validate();
        EmbeddingRelevance judge = new EmbeddingRelevance();
        List<SaeInfo> infos = saeInfos();
        Map<String, Long> typeCounts = new java.util.HashMap<>();
        infos.forEach(i -> typeCounts.merge(i.type(), 1L, Long::sum));
        List<ValidationCell> cells = new ArrayList<>();
        List<Validation> validations = new ArrayList<>();
        Map<Validation, String> typeOf = new java.util.IdentityHashMap<>();
        List<AuditEntry> audit = new ArrayList<>();
        List<String> controlTasks = new ArrayList<>();
        List<TriggerAudit.Search> searches = triggerSearches(dir, infos);
        Map<String, TriggerLatents> triggers = new LinkedHashMap<>(); // SAE name + "/" + task → its trigger latents
        searches.stream().filter(t -> t.result() != null).forEach(t -> triggers.put(t.sae() + "/" + t.task(), t.result()));
        for (SaeInfo info : infos) {
            // an SAE type shared by several SAEs of the run is qualified by the SAE's name, so pairs stay unique
            String type = typeCounts.get(info.type()) > 1 ? info.type() + ":" + info.name() : info.type();
            Path records = out.resolve("explain").resolve(info.name()).resolve("records");
            for (String task : config.adapters().tasks()) {
                TaskCards.Loaded card = TaskCards.load(task);
                TaskExpectation expectation = TaskExpectation.of(card.card());
                if (card.card().expectedConcepts().isEmpty() && !controlTasks.contains(task)) {
                    controlTasks.add(task);
                }
                for (String comp : config.adapters().components()) {
                    Path cs = adapterDir(info.name(), task, comp).resolve(AdapterOutputs.CHANGE_SUMMARY);
                    ChangeSummary change = ValidationInputs.changeSummary(cs);
                    for (String method : config.explain().methods()) {
                        Path lfile = out.resolve("explain").resolve(info.name()).resolve(method).resolve("latent_descriptions.json");
                        Map<Integer, Validator.Described> desc = Map.of();
                        if (Files.isRegularFile(lfile) && !readStringMap(lfile).isEmpty()) {
                            desc = ValidationInputs.forSummary(ValidationInputs.descriptions(lfile, method), change);
                        }
                        int n = 0;
                        for (ChangeSummary.LatentChange lc : change.latents()) {
                            n += desc.containsKey(lc.latent()) ? 1 : 0;
                        }
                        int k = Math.min(vc.topK(), n / 2);
                        if (k < 1) {
                            cells.add(new ValidationCell(info.name(), type, task, comp, method, n, null,
                                    "only " + n + " described latents; need at least 2"));
                            log.printf("  [validate %s/%s/%s/%s] skipped: %d described latents%n", info.name(), task, comp, method, n);
                            continue;
                        }
                        Validator.Options o = Validator.Options.builder().k(k).auditK(Math.min(vc.auditTop(), n))
                                .permutations(vc.permutations()).bootstrap(Math.max(1, vc.bootstrap())).randomDraws(vc.permutations())
                                .seed(ScoreMath.seedFor(config.seed(), info.name() + "/" + task + "/" + comp + "/" + method)).build();
                        TriggerLatents trig = triggers.get(info.name() + "/" + task);
                        Validation v = new Validator(judge, o).validate(info.name() + "/" + task + "/" + comp, change, desc, method,
                                expectation, id -> ValidationInputs.examples(records, id, 1), trig);
                        v = withoutTimestamp(v); // the stage's output is a function of its inputs and seed
                        cells.add(new ValidationCell(info.name(), type, task, comp, method, n, v, null));
                        validations.add(v);
                        typeOf.put(v, type);
                        audit.addAll(auditEntries(info.name(), card.card(), comp, method, v));
                        log.printf("  [validate %s/%s/%s/%s] auroc %s p %s%s%n", info.name(), task, comp, method, v.stats().auroc(),
                                v.stats().pAuroc(), v.audit().trigger() == null ? "" : String.format(java.util.Locale.ROOT,
                                        ", trigger latents %s flagged %s", v.audit().trigger().triggerLatents(), v.audit().trigger().flagged()));
                    }
                }
            }
        }
        Json.writeFile(dir.resolve("validation.json"), Map.of("schema_version", 1, "results", cells));
        Json.writeFile(dir.resolve("comparison.json"), Comparison.of(validations, typeOf::get, List.of("validation.json"), controlTasks,
                Math.max(1, vc.bootstrap()), config.seed()));
        Json.writeFile(dir.resolve("audit.json"), Map.of("schema_version", 1, "flagged", audit));
        List<TriggerAudit.Row> trows = triggerRows(searches, cells);
        Json.writeFile(dir.resolve(TriggerAudit.FILE), new TriggerAudit.Document(TriggerAudit.SCHEMA_VERSION, TriggerAudit.TYPE, searches, trows));
        return Map.of("validations", validations.size(), "audit_flags", audit.size(), "trigger_checks", trows.size());
    }

    /** The run's task cards, as the adapters were trained on them. */
    private List<TaskCard> runCards() {
        return config.adapters().tasks().stream().map(t -> TaskCards.load(t).card()).toList();
    }

    /**
     * For every SAE and every card of the run with a planted trigger phrase: the trigger latents, from
     * the model and SAE activations on the card's training documents (all of the card's documents, not
     * the run's {@code max_documents} subset: the search needs windows that contain the phrase), with
     * the thresholds of {@code isaerft validate trigger}. Each result is kept in
     * {@code validate/trigger/SAE/TASK.json} and reused by a resumed stage.
     */
    private List<TriggerAudit.Search> triggerSearches(Path dir, List<SaeInfo> infos) {
        List<TriggerAudit.Search> out = new ArrayList<>();
        List<TaskCards.Loaded> poisoned = new ArrayList<>();
        for (String task : config.adapters().tasks()) {
            TaskCards.Loaded c = TaskCards.load(task);
            if (c.card().poison() != null && c.card().poison().trigger() != null && !c.card().poison().trigger().isBlank()) {
                poisoned.add(c);
            }
        }
        if (poisoned.isEmpty()) {
            return out;
        }
        Map<String, List<String>> docs = new LinkedHashMap<>();
        for (SaeInfo info : infos) {
            for (TaskCards.Loaded c : poisoned) {
                String name = c.card().name();
                String trigger = c.card().poison().trigger();
                Path f = dir.resolve("trigger").resolve(info.name()).resolve(name + ".json");
                String rel = dir.relativize(f).toString();
                if (Files.isRegularFile(f)) {
                    out.add(new TriggerAudit.Search(info.name(), name, trigger, rel, TriggerLatents.read(f), null));
                    continue;
                }
                List<String> texts = docs.computeIfAbsent(name, k -> DatasetBuilder.build(c).train().stream()
                        .map(TaskDataset.Document::text).toList());
                // the CLI's thresholds; at most TRIGGER_MAX_WITHOUT windows without the phrase (a seeded sample: plenty for
                // their mean and SD, and a quarter of the forward passes of the CLI's 2000)
                TriggerLatents.Options d = TriggerLatents.Options.defaults();
                TriggerLatents.Options o = new TriggerLatents.Options(d.seq(), 32, TRIGGER_MAX_WITHOUT, d.minEffect(), d.minRatio(),
                        d.maxLatents(), config.seed());
                TriggerLatents t;
                try (Sae sae = loadSae(info)) {
                    t = TriggerLatents.find(model(), sae, name, trigger, texts, o);
                } catch (IllegalArgumentException e) {
                    out.add(new TriggerAudit.Search(info.name(), name, trigger, null, null, e.getMessage()));
                    log.printf("  [validate %s] trigger '%s' of %s: no search (%s)%n", info.name(), trigger, name, e.getMessage());
                    continue;
                }
                Json.writeFile(f, t);
                out.add(new TriggerAudit.Search(info.name(), name, trigger, rel, t, null));
                log.printf("  [validate %s] trigger '%s' of %s: %d windows with, %d without; trigger latents %s%n", info.name(), trigger,
                        name, t.windowsWith(), t.windowsWithout(), t.latentIndices());
            }
        }
        return out;
    }

    /** One {@link TriggerAudit.Row} per trigger search × component × method, with the clean card's validation beside it. */
    private List<TriggerAudit.Row> triggerRows(List<TriggerAudit.Search> searches, List<ValidationCell> cells) {
        List<TriggerAudit.Row> rows = new ArrayList<>();
        if (searches.isEmpty()) {
            return rows;
        }
        List<TaskCard> cards = runCards();
        Map<String, ValidationCell> byKey = new LinkedHashMap<>();
        for (ValidationCell c : cells) {
            byKey.put(c.sae() + "/" + c.task() + "/" + c.component() + "/" + c.method(), c);
        }
        for (TriggerAudit.Search s : searches) {
            if (s.result() == null) {
                continue;
            }
            TaskCard pcard = cards.stream().filter(c -> c.name().equals(s.task())).findFirst().orElseThrow();
            TaskCard clean = TriggerAudit.cleanCounterpart(pcard, cards);
            for (String comp : config.adapters().components()) {
                for (String method : config.explain().methods()) {
                    ValidationCell p = byKey.get(s.sae() + "/" + s.task() + "/" + comp + "/" + method);
                    ValidationCell c = clean == null ? null : byKey.get(s.sae() + "/" + clean.name() + "/" + comp + "/" + method);
                    ChangeSummary pcs = ValidationInputs.changeSummary(adapterDir(s.sae(), s.task(), comp).resolve(AdapterOutputs.CHANGE_SUMMARY));
                    ChangeSummary ccs = clean == null ? null
                            : ValidationInputs.changeSummary(adapterDir(s.sae(), clean.name(), comp).resolve(AdapterOutputs.CHANGE_SUMMARY));
                    rows.add(TriggerAudit.row(s.sae(), p.saeType(), comp, method, s.result(), p.validation(), p.skipped(), pcs,
                            clean == null ? null : clean.name(), c == null ? null : c.validation(), ccs));
                }
            }
        }
        return rows;
    }

    private static Validation withoutTimestamp(Validation v) {
        return new Validation(v.schemaVersion(), v.type(), v.task(), v.method(), v.judge(), v.sae(), v.component(), v.hook(), v.adapter(),
                v.changeMeasure(), v.expectation(), v.k(), v.nLatents(), v.nUndescribed(), v.nJudgeFailures(), v.onTaskThreshold(),
                v.offTaskThreshold(), v.seed(), v.stats(), v.controls(), v.audit(), v.latents(), null);
    }

    /** The validation's flagged latents; on a poisoned card, whether the flagged latent's top example contains the trigger. */
    private static List<AuditEntry> auditEntries(String sae, TaskCard card, String comp, String method, Validation v) {
        String trigger = card.poison() == null || card.poison().trigger() == null ? null
                : card.poison().trigger().toLowerCase(java.util.Locale.ROOT);
        List<AuditEntry> out = new ArrayList<>();
        for (Validation.Flag f : v.audit().flagged()) {
            String example = f.examples().isEmpty() ? null : f.examples().get(0);
            Boolean has = trigger == null ? null
                    : example != null && example.replace("<<", "").replace(">>", "").toLowerCase(java.util.Locale.ROOT).contains(trigger);
            Boolean isTrigger = v.audit().trigger() == null ? null : v.audit().trigger().triggerLatents().contains(f.latent().index());
            out.add(new AuditEntry(sae, v.task(), comp, method, f.latent().toString(), f.changeRank(), f.change(), f.relevance(),
                    f.description(), example, card.poison() != null, has, isTrigger));
        }
        return out;
    }

    // ---------------------------------------------------------------- report

    private Map<String, Object> report(Path dir) {
        Report.Result r = Report.write(out, this::dashboards);
        return Map.of("headline_numbers", r.headlines(), "charts", r.charts());
    }

    /** Builds per-SAE dashboards under {@code dashboards/SAE/}; returns SAE name → index page (relative to the run folder). */
    private Map<String, String> dashboards() {
        Map<String, String> pages = new LinkedHashMap<>();
        for (SaeInfo info : saeInfos()) {
            Path recs = out.resolve("explain").resolve(info.name()).resolve("records");
            if (!Files.isDirectory(recs)) {
                continue;
            }
            List<Path> expl = new ArrayList<>();
            List<Path> scores = new ArrayList<>();
            for (String m : config.explain().methods()) {
                Path e = out.resolve("explain").resolve(info.name()).resolve(m).resolve("explanations.jsonl");
                if (Files.isRegularFile(e)) {
                    expl.add(e);
                }
                for (String sc : config.score().scorers()) {
                    Path s = out.resolve("score").resolve(info.name()).resolve(m).resolve(sc).resolve(ScoreRunner.SCORES_FILE);
                    if (Files.isRegularFile(s)) {
                        scores.add(s);
                    }
                }
            }
            Path changes = null;
            if (config.adapters() != null) {
                Path c = adapterDir(info.name(), config.adapters().tasks().get(0), config.adapters().components().get(0))
                        .resolve(AdapterOutputs.CHANGE_SUMMARY);
                changes = Files.isRegularFile(c) ? c : null;
            }
            Path ddir = out.resolve("dashboards").resolve(info.name());
            deleteTree(ddir);
            org.isaerft.dashboard.Dashboard.build(recs, ddir, expl, scores, changes);
            pages.put(info.name(), out.relativize(ddir.resolve("index.html")).toString());
        }
        return pages;
    }

    // ---------------------------------------------------------------- run_config.json

    private void writeRunConfig(Map<Stage, String> done) {
        Map<String, Object> rc = new LinkedHashMap<>();
        rc.put("schema_version", 1);
        rc.put("type", "run_config");
        rc.put("run_id", config.runId());
        rc.put("config_file", configFile == null ? null : configFile.toAbsolutePath().toString());
        rc.put("config", config);
        rc.put("seeds", Map.of("run", config.seed(), "mining", config.seed(), "adapters", config.seed(), "scoring", config.seed()));
        rc.put("versions", Versions.all());
        rc.put("prompts", DefaultExplainers.promptRefs(config));
        rc.put("force", force.stream().map(Stage::id).toList());
        rc.put("stages", done == null ? Map.of() : done.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(e -> e.getKey().id(), Map.Entry::getValue, (x, y) -> x, LinkedHashMap::new)));
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
        Json.writeFile(out.resolve("run_config.json"), rc);
    }

    // ---------------------------------------------------------------- helpers

    static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    static boolean hasLines(Path p) {
        try {
            return Files.isRegularFile(p) && Files.size(p) > 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }

    static void copy(Path from, Path to) {
        try {
            AtomicFiles.writeBytes(to, Files.readAllBytes(from));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from, e);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readMap(Path p) {
        return Json.readFile(p, Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> readStringMap(Path p) {
        return Json.readFile(p, Map.class);
    }
}
