package org.isaerft.score;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Usage;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * Runs one scorer over a set of latents: each latent's held-out examples against its own
 * explanation, and against another latent's explanation (a seeded derangement) for the shuffled
 * baseline. Each score is appended to {@code scores.jsonl} as soon as it exists (one line, flushed
 * to disk), so a killed run resumes where it stopped; latents whose last attempt failed with an
 * LLM error are retried. Finally {@code summary.json} is written atomically.
 */
public final class ScoreRunner {
    public static final String SCORES_FILE = "scores.jsonl";
    public static final String SUMMARY_FILE = "summary.json";

    /**
     * @param seed               seeds batch shuffles, the derangement and the bootstrap
     * @param bootstrapResamples resamples for the 95% CI
     * @param method             explanation method to score (null: the file must hold exactly one)
     * @param concurrency        latents scored at once (LLM scorers: match the LLM config's concurrency)
     */
    public record Options(long seed, int bootstrapResamples, String method, int concurrency) {
        public Options {
            if (bootstrapResamples < 1) {
                throw new IllegalArgumentException("bootstrap resamples must be >= 1, found " + bootstrapResamples);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, found " + concurrency);
            }
        }

        /** One latent at a time. */
        public Options(long seed, int bootstrapResamples, String method) {
            this(seed, bootstrapResamples, method, 1);
        }
    }

    private ScoreRunner() {}

    /** Scores, writes {@code scores.jsonl} and {@code summary.json} under {@code out}, returns the summary. */
    public static ScoreSummary run(Scorer scorer, List<LatentRecord> records, List<Explanation> explanations, Path out, Options opts,
            Consumer<String> log) {
        Map<LatentId, LatentRecord> byId = new TreeMap<>();
        for (LatentRecord r : records) {
            if (byId.put(r.id(), r) != null) {
                throw new IllegalArgumentException("two latent records for " + r.id());
            }
        }
        String method = chooseMethod(explanations, opts.method());
        Map<LatentId, Explanation> expl = new TreeMap<>();
        int withoutRecord = 0;
        for (Explanation e : explanations) {
            if (!e.method().equals(method)) {
                continue;
            }
            if (!byId.containsKey(e.latent())) {
                withoutRecord++;
                continue;
            }
            if (expl.put(e.latent(), e) != null) {
                throw new IllegalArgumentException("two explanations of " + e.latent() + " by method " + method);
            }
        }
        if (withoutRecord > 0) {
            log.accept("skipping " + withoutRecord + " explanations whose latent has no record");
        }
        if (expl.isEmpty()) {
            throw new IllegalArgumentException("no explanation by method " + method + " matches a latent record");
        }
        List<LatentId> ids = new ArrayList<>(expl.keySet());
        List<LatentRecord> scored = ids.stream().map(byId::get).toList();

        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output directory " + out + ": " + e, e);
        }
        checkFingerprint(out, new RunFingerprint(RunFingerprint.SCHEMA_VERSION, RunFingerprint.TYPE, scorer.name(), scorer.model(),
                method, opts.seed(), scorer.prompts()));
        Path scoresFile = out.resolve(SCORES_FILE);
        Map<String, Score> done = readExisting(scoresFile);
        int[] perm = ids.size() >= 2 ? ScoreMath.derangement(ids.size(), ScoreMath.seedFor(opts.seed(), "shuffle|" + method)) : null;
        // every (latent, explanation) pair in a fixed order: own explanation, then the deranged one
        List<String> keys = new ArrayList<>();
        List<Callable<Score>> todo = new ArrayList<>();
        Map<String, Score> results = new java.util.concurrent.ConcurrentHashMap<>();
        int reused = 0;
        for (int i = 0; i < ids.size(); i++) {
            LatentRecord r = byId.get(ids.get(i));
            List<Explanation> pair = new ArrayList<>();
            pair.add(expl.get(ids.get(i)));
            if (perm != null) {
                pair.add(expl.get(ids.get(perm[i])));
            }
            for (Explanation e : pair) {
                String key = key(scorer.name(), r.id(), Score.ExplanationRef.of(e));
                keys.add(key);
                Score prev = done.get(key);
                if (prev != null && !(prev.undefined() != null && prev.undefined().reason() == Score.Reason.LLM_ERROR)) {
                    results.put(key, prev);
                    reused++;
                } else {
                    todo.add(() -> scorer.score(r, e));
                }
            }
        }
        if (reused > 0) {
            log.accept("resuming: " + reused + " scores read from " + scoresFile + ", " + todo.size() + " to do");
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(opts.concurrency(), Math.max(1, todo.size())));
        try (FileChannel ch = FileChannel.open(scoresFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            List<Future<Score>> futures = new ArrayList<>();
            for (Callable<Score> task : todo) {
                futures.add(pool.submit(() -> {
                    Score s = task.call();
                    synchronized (ch) {
                        append(ch, s);
                    }
                    results.put(key(s.scorer(), s.latent(), s.explanation()), s);
                    log.accept(String.format("%s %s [%s]: %s", scorer.name(), s.latent(), s.baseline(),
                            s.isDefined() ? String.format("%.4f", s.value()) : "undefined (" + s.undefined().reason().code() + ")"));
                    return s;
                }));
            }
            for (Future<Score> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow(); // e.g. the LLM budget is spent: stop; finished scores are on disk
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException("scoring failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    pool.shutdownNow();
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while scoring", e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + scoresFile + ": " + e, e);
        } finally {
            pool.shutdownNow();
        }
        List<Score> ordered = keys.stream().map(results::get).toList();
        List<Score> real = ordered.stream().filter(s -> s.baseline().equals(Score.BASELINE_NONE)).toList();
        List<Score> shuffled = ordered.stream().filter(s -> s.baseline().equals(Score.BASELINE_SHUFFLED)).toList();
        ScoreSummary summary = summarize(scorer, method, scored, real, perm == null ? null : shuffled, opts);
        Json.writeFile(out.resolve(SUMMARY_FILE), summary);
        return summary;
    }

    /** The aggregate of real and shuffled scores (shuffled null when there are fewer than two latents). */
    public static ScoreSummary summarize(Scorer scorer, String method, List<LatentRecord> records, List<Score> real,
            List<Score> shuffled, Options opts) {
        long bootSeed = ScoreMath.seedFor(opts.seed(), "bootstrap");
        Usage usage = Usage.NONE;
        LinkedHashSet<Score.PromptRef> prompts = new LinkedHashSet<>();
        for (Score s : real) {
            usage = usage.plus(s.usage());
            if (s.prompt() != null) {
                prompts.add(s.prompt());
            }
        }
        if (shuffled != null) {
            for (Score s : shuffled) {
                usage = usage.plus(s.usage());
                if (s.prompt() != null) {
                    prompts.add(s.prompt());
                }
            }
        }
        return new ScoreSummary(ScoreSummary.SCHEMA_VERSION, ScoreSummary.TYPE, scorer.name(), scorer.model(), scorer.valueMetric(), method,
                opts.seed(), opts.bootstrapResamples(), real.size(),
                ScoreSummary.Aggregate.of(real, opts.bootstrapResamples(), bootSeed),
                shuffled == null ? null : ScoreSummary.Aggregate.of(shuffled, opts.bootstrapResamples(), bootSeed),
                shuffled == null ? "the shuffled baseline needs at least two latents" : null,
                scorer.chanceLevels(records), new ArrayList<>(prompts), usage);
    }

    /**
     * What makes the scores in an output directory comparable: written as {@code score_run.json} on
     * the first run; a resumed run with another scorer, model, method, seed or prompt is refused
     * instead of silently mixing scores.
     */
    public record RunFingerprint(@com.fasterxml.jackson.annotation.JsonProperty("schema_version") int schemaVersion, String type,
            String scorer, String model, String method, long seed, List<Score.PromptRef> prompts) {
        public static final int SCHEMA_VERSION = 1;
        public static final String TYPE = "score_run";

        public RunFingerprint {
            prompts = List.copyOf(prompts == null ? List.of() : prompts);
        }
    }

    public static final String RUN_FILE = "score_run.json";

    static void checkFingerprint(Path out, RunFingerprint now) {
        Path f = out.resolve(RUN_FILE);
        if (Files.exists(f)) {
            RunFingerprint before = Json.readFile(f, RunFingerprint.class);
            if (!before.equals(now)) {
                throw new IllegalArgumentException(out + " holds scores made with " + Json.line(before) + "; this run is "
                        + Json.line(now) + ". Use another --out (or delete the directory) instead of mixing them");
            }
        } else {
            if (Files.exists(out.resolve(SCORES_FILE))) {
                throw new IllegalArgumentException(out.resolve(SCORES_FILE) + " exists without " + RUN_FILE
                        + "; cannot tell how it was made. Use another --out");
            }
            Json.writeFile(f, now);
        }
    }

    static String key(String scorer, LatentId latent, Score.ExplanationRef e) {
        return scorer + "|" + latent + "|" + e.latent() + "|" + e.method() + "|" + e.descriptionSha256();
    }

    private static String chooseMethod(List<Explanation> explanations, String wanted) {
        LinkedHashSet<String> methods = new LinkedHashSet<>();
        explanations.forEach(e -> methods.add(e.method()));
        if (wanted != null) {
            if (!methods.contains(wanted)) {
                throw new IllegalArgumentException("no explanation has method '" + wanted + "'; methods present: " + methods);
            }
            return wanted;
        }
        if (methods.size() != 1) {
            throw new IllegalArgumentException("the explanations hold " + methods.size() + " methods " + methods
                    + "; choose one with --method");
        }
        return methods.iterator().next();
    }

    private static void append(FileChannel ch, Score s) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap((Json.line(s) + "\n").getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        ch.force(false);
    }

    /**
     * Scores already on disk, latest per key. A torn last line (a run killed mid-write) is dropped
     * and the file rewritten without it; a bad line elsewhere is an error naming the line.
     */
    static Map<String, Score> readExisting(Path file) {
        Map<String, Score> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> good = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                Score s = Json.MAPPER.readValue(line, Score.class);
                out.put(key(s.scorer(), s.latent(), s.explanation()), s);
                good.add(line);
            } catch (IOException | IllegalArgumentException e) {
                if (i == lines.size() - 1) {
                    AtomicFiles.writeString(file, good.stream().map(l -> l + "\n").reduce("", String::concat));
                    break;
                }
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not a score: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** One {@code <LatentId.fileSafe()>.json} LatentRecord per file in {@code dir} (other files ignored). */
    public static List<LatentRecord> loadRecords(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("records directory not found: " + dir);
        }
        List<LatentRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted(Comparator.naturalOrder()).toList()) {
                var node = Json.MAPPER.readTree(p.toFile());
                if (node == null || !LatentRecord.TYPE.equals(node.path("type").asText())) {
                    continue; // index.json and other side files
                }
                LatentRecord r;
                try {
                    r = Json.MAPPER.treeToValue(node, LatentRecord.class);
                } catch (IOException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(p + ": not a valid latent record: " + e.getMessage(), e);
                }
                String expected = r.id().fileSafe() + ".json";
                if (!p.getFileName().toString().equals(expected)) {
                    throw new IllegalArgumentException(p + ": holds latent " + r.id() + ", whose file name must be " + expected);
                }
                out.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read records from " + dir + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no latent records (*.json with type latent_record) in " + dir);
        }
        return out;
    }

    /** explanations.jsonl: one Explanation per non-blank line. */
    public static List<Explanation> loadExplanations(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read explanations " + file + ": " + e.getMessage(), e);
        }
        List<Explanation> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                out.add(Json.MAPPER.readValue(lines.get(i), Explanation.class));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not an explanation: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no explanations in " + file);
        }
        return out;
    }
}
