package org.isaerft.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.isaerft.util.Json;

/**
 * A pipeline run, read from YAML ({@code configs/demo.yaml}, {@code configs/gpt2-e2e.yaml}). Every
 * section is a record whose compact constructor validates its fields; {@link #read(Path)} turns
 * any problem into a {@link ConfigException} naming the file and the field path.
 *
 * <p>Paths in the file may start with {@code ${shared}} (the shared folder) or be relative to the
 * project home; they are resolved by {@link ProjectHome#resolve(String)}.
 *
 * @param schemaVersion must be 1
 * @param runId         folder name under {@code results/} ([A-Za-z0-9._-]+)
 * @param seed          seeds every stage (each derives its own seed from it)
 * @param model         model spec (alias from configs/models.yaml or a directory)
 * @param corpus        text mined for examples (and for SAE training)
 * @param saes          SAEs to load or train (at least one)
 * @param adapters      adapter training (null = no adapters, so no validation)
 * @param mine          mining settings
 * @param explain       interpretation methods
 * @param score         scorers
 * @param validate      validation settings (null = skipped)
 * @param recovery      known-answer recovery benchmark on the run's model and SAEs (null = not run)
 */
public record RunConfig(
        @JsonProperty("schema_version") int schemaVersion,
        String runId,
        long seed,
        String model,
        CorpusSection corpus,
        List<SaeSection> saes,
        AdapterSection adapters,
        MineSection mine,
        ExplainSection explain,
        ScoreSection score,
        ValidateSection validate,
        RecoverySection recovery) {
    public static final int SCHEMA_VERSION = 1;
    public static final List<String> OFFLINE_METHODS = List.of("token-stats", "logit-lens");
    public static final List<String> LLM_METHODS = List.of("llm-oai", "llm-delphi");
    /** Scorer names ({@code org.isaerft.score.Scorers}); all but embedding ask the LLM of {@code explain.llm}. */
    public static final List<String> SCORERS = List.of("embedding", "simulation", "detection", "fuzzing");

    public RunConfig {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        require(runId != null && runId.matches("[A-Za-z0-9._-]+"), "run_id", "[A-Za-z0-9._-]+", runId);
        require(model != null && !model.isBlank(), "model", "a model spec", model);
        require(corpus != null, "corpus", "a section", null);
        require(saes != null && !saes.isEmpty(), "saes", "at least one SAE", saes);
        Set<String> names = new HashSet<>();
        for (SaeSection s : saes) {
            require(names.add(s.name()), "saes", "unique names", s.name());
        }
        saes = List.copyOf(saes);
        mine = mine == null ? new MineSection(null, null, null, null) : mine;
        require(explain != null, "explain", "a section", null);
        score = score == null ? new ScoreSection(null, null) : score;
        for (String s : score.scorers()) {
            require(s.equals("embedding") || explain.llm() != null, "score.scorers",
                    "LLM scorer '" + s + "' to have an LLM config in explain.llm", "no explain.llm");
        }
        if (recovery != null) {
            for (String n : recovery.saes()) {
                require(names.contains(n), "recovery.saes", "names of SAEs of the run " + names, n);
            }
        }
    }

    static void require(boolean ok, String field, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": expected " + expected + ", found " + found);
        }
    }

    /** Where the examples come from. @param path text/JSONL/id file or folder @param tokens token budget for mining */
    public record CorpusSection(String path, long tokens, Integer seqLen, Integer batch, String textField) {
        public CorpusSection {
            require(path != null && !path.isBlank(), "corpus.path", "a path", path);
            require(tokens > 0, "corpus.tokens", "> 0", tokens);
            seqLen = seqLen == null ? 64 : seqLen;
            batch = batch == null ? 8 : batch;
            require(seqLen >= 2, "corpus.seq_len", ">= 2", seqLen);
            require(batch >= 1, "corpus.batch", ">= 1", batch);
        }
    }

    /**
     * One SAE: {@code spec} (path or RELEASE/ID, loaded) and/or {@code train} (trained by the run
     * into {@code saes/NAME/}); with both, a local spec path that does not exist is trained instead.
     *
     * @param name  short name used in output folders and the report ("local", "e2e")
     * @param type  SAE type label for the comparison (local | e2e | e2e_downstream | other)
     * @param hook  hook point (needed for multi-SAE checkpoints or training)
     */
    public record SaeSection(String name, String type, String spec, String hook, TrainSection train) {
        public SaeSection {
            require(name != null && name.matches("[A-Za-z0-9._-]+"), "saes[].name", "[A-Za-z0-9._-]+", name);
            type = type == null ? name : type;
            require(spec != null || train != null, "saes[" + name + "]", "spec (load) or train (or both: train when spec is missing)", "neither");
            require(train == null || hook != null, "saes[" + name + "].hook", "a hook point when training", hook);
        }
    }

    /**
     * An SAE trained by the run on the corpus with {@code org.isaerft.sae.train.SaeTrainer}.
     *
     * @param kind   local (MSE + λ·L1) | e2e (KL + λ·L1) | e2e-downstream (KL + downstream MSE + λ·L1)
     * @param dSae   number of latents
     * @param tokens training tokens (steps = tokens / (batch × seq))
     */
    public record TrainSection(String kind, int dSae, Double l1, Double lr, Long tokens, Integer batch, Integer seq, Integer warmupSteps) {
        public TrainSection {
            kind = kind == null ? "local" : kind;
            require(List.of("local", "e2e", "e2e-downstream").contains(kind), "saes[].train.kind", "local | e2e | e2e-downstream", kind);
            require(dSae > 0, "saes[].train.d_sae", "> 0", dSae);
            l1 = l1 == null ? 1.0 : l1;
            lr = lr == null ? 1e-3 : lr;
            tokens = tokens == null ? 200_000L : tokens;
            batch = batch == null ? 8 : batch;
            seq = seq == null ? 64 : seq;
            warmupSteps = warmupSteps == null ? 20 : warmupSteps;
            require(l1 >= 0 && lr > 0 && tokens > 0 && batch > 0 && seq >= 2 && warmupSteps >= 0, "saes[].train",
                    "l1 >= 0, lr > 0, tokens > 0, batch > 0, seq >= 2, warmup_steps >= 0",
                    "l1=" + l1 + " lr=" + lr + " tokens=" + tokens + " batch=" + batch + " seq=" + seq + " warmup_steps=" + warmupSteps);
        }
    }

    /**
     * Adapter training: every task card × component × SAE.
     *
     * @param lr          one Adam learning rate for every component; null (the default) = the per-component default of
     *                    {@code adapter.TrainConfig.defaultLr} (scale 0.03, bias 0.001, ffnn 0.003, from results/adapters/lr_sweep.json)
     * @param evalWindows held-out windows of the before/after task loss (default 64)
     */
    public record AdapterSection(List<String> tasks, List<String> components, Integer steps, Integer batch, Integer seq, Double lr,
            Integer hidden, Double l1, Integer evalWindows, Integer maxDocuments) {
        public AdapterSection {
            require(tasks != null && !tasks.isEmpty(), "adapters.tasks", "at least one task card", tasks);
            require(components != null && !components.isEmpty(), "adapters.components", "scale|bias|ffnn", components);
            for (String c : components) {
                require(List.of("scale", "bias", "ffnn").contains(c), "adapters.components", "scale|bias|ffnn", c);
            }
            tasks = List.copyOf(tasks);
            components = List.copyOf(components);
            steps = steps == null ? 100 : steps;
            batch = batch == null ? 8 : batch;
            seq = seq == null ? 64 : seq;
            hidden = hidden == null ? 16 : hidden;
            l1 = l1 == null ? 0.0 : l1;
            evalWindows = evalWindows == null ? 64 : evalWindows;
            require(steps > 0 && batch > 0 && seq >= 2 && (lr == null || lr > 0) && hidden > 0 && l1 >= 0 && evalWindows > 0, "adapters",
                    "positive steps, batch, lr, hidden, eval_windows; seq >= 2; l1 >= 0",
                    "steps=" + steps + " batch=" + batch + " seq=" + seq + " lr=" + lr + " hidden=" + hidden + " l1=" + l1);
            require(maxDocuments == null || maxDocuments > 0, "adapters.max_documents", "> 0", maxDocuments);
        }
    }

    /** Mining: top-k windows per latent, window size, decile and random examples. */
    public record MineSection(Integer topK, Integer window, Integer perDecile, Integer nRandom) {
        public MineSection {
            topK = topK == null ? 20 : topK;
            window = window == null ? 32 : window;
            perDecile = perDecile == null ? 4 : perDecile;
            nRandom = nRandom == null ? 20 : nRandom;
            require(topK > 0 && window > 0 && perDecile >= 0 && nRandom >= 0, "mine", "top_k, window > 0; per_decile, n_random >= 0",
                    "top_k=" + topK + " window=" + window + " per_decile=" + perDecile + " n_random=" + nRandom);
        }
    }

    /**
     * Interpretation methods and which latents get explained.
     *
     * @param methods    token-stats | logit-lens | llm-oai | llm-delphi
     * @param llm        LLM config file (configs/llm/*.yaml), required by llm-* methods
     * @param maxLatents explain at most this many latents per SAE: the most-changed latents of the
     *                   adapters first, then a seeded random sample of the rest (0 = all alive)
     */
    public record ExplainSection(List<String> methods, String llm, Integer maxLatents, Integer threads) {
        public ExplainSection {
            require(methods != null && !methods.isEmpty(), "explain.methods", "at least one method", methods);
            for (String m : methods) {
                require(OFFLINE_METHODS.contains(m) || LLM_METHODS.contains(m), "explain.methods",
                        "one of " + OFFLINE_METHODS + " or " + LLM_METHODS, m);
                require(!LLM_METHODS.contains(m) || llm != null, "explain.llm", "an LLM config file for method " + m, null);
            }
            methods = List.copyOf(methods);
            maxLatents = maxLatents == null ? 0 : maxLatents;
            threads = threads == null ? 1 : threads;
            require(maxLatents >= 0 && threads >= 1, "explain", "max_latents >= 0, threads >= 1", "max_latents=" + maxLatents + " threads=" + threads);
        }
    }

    /** Scorers: embedding (offline) | simulation | detection | fuzzing (LLM: the LLM config of {@code explain.llm}). */
    public record ScoreSection(List<String> scorers, Integer bootstrap) {
        public ScoreSection {
            scorers = scorers == null ? List.of("embedding") : List.copyOf(scorers);
            for (String s : scorers) {
                require(SCORERS.contains(s), "score.scorers", "one of " + SCORERS, s);
            }
            bootstrap = bootstrap == null ? 1000 : bootstrap;
            require(bootstrap >= 0, "score.bootstrap", ">= 0", bootstrap);
        }
    }

    /** Validation: relevance of descriptions to the task, against the adapter's change ranking. */
    public record ValidateSection(String relevance, Integer topK, Integer permutations, Integer bootstrap, Integer auditTop) {
        public ValidateSection {
            relevance = relevance == null ? "embedding" : relevance;
            require(relevance.equals("embedding"), "validate.relevance", "embedding", relevance);
            topK = topK == null ? 10 : topK;
            permutations = permutations == null ? 1000 : permutations;
            bootstrap = bootstrap == null ? 1000 : bootstrap;
            auditTop = auditTop == null ? 5 : auditTop;
            require(topK > 0 && permutations > 0 && bootstrap >= 0 && auditTop > 0, "validate", "top_k, permutations, audit_top > 0",
                    "top_k=" + topK + " permutations=" + permutations + " audit_top=" + auditTop);
        }
    }

    /**
     * The known-answer recovery benchmark ({@code org.isaerft.recovery.RecoveryBenchmark}) run on the run's model and
     * SAEs: latents are planted into sampled text and each component is asked to find them again.
     *
     * @param saes          SAEs of the run to plant from and recover with (default: all; they must share one hook)
     * @param components    scale | bias | ffnn (default [ffnn])
     * @param tasks         planted latents (default 3)
     * @param seeds         sampling + adapter seeds (default [the run's seed])
     * @param strength      plant strength S (default 4)
     * @param sweep         extra strengths for the recall-vs-strength sweep (default none)
     * @param sweepTasks    tasks the sweep runs on (default: all when a sweep is given)
     * @param documents     documents per planted card (default 24, >= 5)
     * @param maxNewTokens  tokens per document (default 96)
     * @param steps         adapter steps (default 60)
     * @param batch         adapter windows per step (default 8)
     * @param seq           adapter window length (default 64)
     * @param lr            learning rate per component (default: {@code TrainConfig.defaultLr})
     * @param scanWindows   corpus windows of 128 tokens scanned for max_act / firing frequency (default 128)
     * @param strengthUnit  what {@code strength} is measured in: {@code max-act} (default) or {@code residual} (each plant has norm
     *                      S × the median residual norm at the hook; {@code org.isaerft.recovery.StrengthUnit}). Left null when not
     *                      given and then not written, so configs without it keep their stage hash.
     */
    public record RecoverySection(List<String> saes, List<String> components, Integer tasks, List<Long> seeds, Double strength,
            List<Double> sweep, Integer sweepTasks, Integer documents, Integer maxNewTokens, Integer steps, Integer batch, Integer seq,
            java.util.Map<String, Double> lr, Integer scanWindows,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String strengthUnit) {
        /** The strength units {@code strength_unit} may name. */
        public static final List<String> STRENGTH_UNITS = List.of("max-act", "residual");

        public RecoverySection {
            saes = saes == null ? List.of() : List.copyOf(saes);
            components = components == null ? List.of("ffnn") : List.copyOf(components);
            require(!components.isEmpty(), "recovery.components", "scale|bias|ffnn", components);
            for (String c : components) {
                require(List.of("scale", "bias", "ffnn").contains(c), "recovery.components", "scale|bias|ffnn", c);
            }
            tasks = tasks == null ? 3 : tasks;
            seeds = seeds == null ? List.of() : List.copyOf(seeds);
            strength = strength == null ? 4.0 : strength;
            sweep = sweep == null ? List.of() : List.copyOf(sweep);
            sweepTasks = sweepTasks == null ? (sweep.isEmpty() ? 0 : tasks) : sweepTasks;
            documents = documents == null ? 24 : documents;
            maxNewTokens = maxNewTokens == null ? 96 : maxNewTokens;
            steps = steps == null ? 60 : steps;
            batch = batch == null ? 8 : batch;
            seq = seq == null ? 64 : seq;
            lr = lr == null ? java.util.Map.of() : java.util.Map.copyOf(lr);
            for (var e : lr.entrySet()) {
                require(List.of("scale", "bias", "ffnn").contains(e.getKey()) && e.getValue() != null && e.getValue() > 0, "recovery.lr",
                        "component: positive rate", e.getKey() + ": " + e.getValue());
            }
            scanWindows = scanWindows == null ? 128 : scanWindows;
            require(strengthUnit == null || STRENGTH_UNITS.contains(strengthUnit), "recovery.strength_unit", "one of " + STRENGTH_UNITS,
                    strengthUnit);
            require(tasks > 0, "recovery.tasks", "> 0", tasks);
            require(strength > 0 && sweep.stream().allMatch(x -> x != null && x > 0), "recovery.strength", "positive strengths",
                    strength + " " + sweep);
            require(sweepTasks >= 0 && sweepTasks <= tasks, "recovery.sweep_tasks", "in [0, tasks]", sweepTasks);
            require(documents >= 5, "recovery.documents", ">= 5", documents);
            require(maxNewTokens > 0 && steps > 0 && batch > 0 && seq >= 2 && scanWindows > 0, "recovery",
                    "positive max_new_tokens, steps, batch, scan_windows; seq >= 2",
                    "max_new_tokens=" + maxNewTokens + " steps=" + steps + " batch=" + batch + " seq=" + seq + " scan_windows=" + scanWindows);
        }
    }

    /** Reads and validates a config file; errors name the file and the field. */
    public static RunConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": config file not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Parses YAML; {@code origin} names the source in errors. */
    public static RunConfig parse(InputStream in, String origin) {
        try {
            return Json.YAML.readValue(in, RunConfig.class);
        } catch (JsonMappingException e) {
            String path = fieldPath(e);
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String msg = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
            throw new ConfigException(origin + ": " + (path.isEmpty() ? "" : "at " + path + ": ") + msg, e);
        } catch (IOException e) {
            throw new ConfigException(origin + ": invalid YAML: " + e.getMessage(), e);
        }
    }

    static String fieldPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** This config with a different corpus token budget ({@code --tokens}). */
    public RunConfig withTokens(long tokens) {
        CorpusSection c = new CorpusSection(corpus.path(), tokens, corpus.seqLen(), corpus.batch(), corpus.textField());
        return new RunConfig(schemaVersion, runId, seed, model, c, saes, adapters, mine, explain, score, validate, recovery);
    }
}
