package org.isaerft.explain;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.BudgetExceededException;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.LlmRunSummary;
import org.isaerft.llm.Prompt;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Explains every latent record of a directory with one {@link Explainer}, resumably. Output
 * directory layout:
 * <pre>
 *   latents/&lt;latent&gt;.json          one Explanation per finished latent, written atomically when it finishes
 *   failures/&lt;latent&gt;.json         the latest typed failure of a latent (retried on the next run)
 *   explanations.jsonl               all explanations, one JSON object per line (sorted by latent id)
 *   latent_descriptions.json         exactly {"&lt;latent id&gt;": "&lt;description&gt;"}
 *   neuronpedia_explanations.json    the same explanations in Neuronpedia's export shape
 *   failures.jsonl                   latents without an explanation and why
 *   summary.json                     counts, method, prompt hash, LLM config (no key), LLM usage, versions
 * </pre>
 * A killed run loses at most the latents in flight: a rerun skips every latent with a valid file
 * under {@code latents/}, and (with the LLM response cache) replays earlier answers for free.
 */
public final class ExplainRun {
    public static final String LATENTS = "latents";
    public static final String FAILURES = "failures";

    /**
     * @param threads            latents explained concurrently
     * @param limit              explain at most this many records (<= 0: all)
     * @param neuronpediaModelId model id written to the Neuronpedia export
     * @param neuronpediaLayer   SAE id written to the Neuronpedia export (null: derived from latent ids)
     */
    public record Options(int threads, int limit, String neuronpediaModelId, String neuronpediaLayer) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, found " + threads);
            }
            neuronpediaModelId = neuronpediaModelId == null ? "unknown" : neuronpediaModelId;
        }
    }

    /** What a run did; written as {@code summary.json}. */
    public record Summary(
            @JsonProperty("schema_version") int schemaVersion,
            String type,
            String method,
            String recordsDir,
            int records,
            int explainedNow,
            int reused,
            Map<String, Integer> failedNow,
            int totalExplained,
            int totalFailed,
            String stoppedBy,
            String promptId,
            String promptVersion,
            String promptSha256,
            LlmConfig llmConfig,
            LlmRunSummary llm,
            Map<String, String> versions,
            String startedAt,
            String finishedAt) {
        public static final int SCHEMA_VERSION = 1;
        public static final String TYPE = "explain_run_summary";
    }

    private final Explainer explainer;
    private final Path out;
    private final Options options;
    private final LlmClient client;
    private final Prompt prompt;

    /**
     * @param client the explainer's LLM client, for the summary (null for offline methods)
     * @param prompt the explainer's prompt, for the summary (null for offline methods)
     */
    public ExplainRun(Explainer explainer, Path out, Options options, LlmClient client, Prompt prompt) {
        this.explainer = explainer;
        this.out = out;
        this.options = options;
        this.client = client;
        this.prompt = prompt;
    }

    /** The record files of a directory: {@code *.json} except {@code index.json}, by name. */
    public static List<Path> recordFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("records directory not found: " + dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json") && !p.getFileName().toString().equals("index.json")
                    && !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    public static LatentRecord readRecord(Path file) {
        try {
            return Json.MAPPER.readValue(file.toFile(), LatentRecord.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a valid latent record: " + e.getMessage(), e);
        }
    }

    /** A finished latent's explanation, or null when absent or unreadable (then it is redone). */
    private Explanation finished(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Explanation e;
        try {
            e = Json.MAPPER.readValue(file.toFile(), Explanation.class);
        } catch (IOException | RuntimeException ex) {
            return null;
        }
        if (!e.method().equals(explainer.method())) {
            throw new IllegalStateException(out + " already holds explanations by method '" + e.method() + "' (" + file.getFileName()
                    + "); this run is '" + explainer.method() + "': use another --out directory");
        }
        return e;
    }

    public Summary run(Path recordsDir) {
        return run(recordsDir, recordsDir.toString());
    }

    /**
     * Explains every record of {@code recordsDir}; the summary's {@code records_dir} is {@code recordsDirLabel}
     * (the pipeline stores it relative to the run folder, so a run folder can be moved).
     */
    public Summary run(Path recordsDir, String recordsDirLabel) {
        String startedAt = Instant.now().toString();
        List<Path> files = recordFiles(recordsDir);
        if (options.limit() > 0 && files.size() > options.limit()) {
            files = files.subList(0, options.limit());
        }
        Path latentsDir = out.resolve(LATENTS);
        Path failuresDir = out.resolve(FAILURES);
        List<Path> todo = new ArrayList<>();
        int reused = 0;
        for (Path f : files) {
            if (finished(latentsDir.resolve(f.getFileName())) != null) {
                reused++;
            } else {
                todo.add(f);
            }
        }
        AtomicInteger explainedNow = new AtomicInteger();
        Map<ExplainResult.Reason, Integer> failedNow = new EnumMap<>(ExplainResult.Reason.class);
        AtomicReference<BudgetExceededException> budget = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.threads(), Math.max(1, todo.size())));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Path f : todo) {
                futures.add(pool.submit(() -> {
                    if (budget.get() != null) {
                        return;
                    }
                    LatentRecord r = readRecord(f);
                    String name = f.getFileName().toString();
                    ExplainResult result;
                    try {
                        result = explainer.explain(r);
                    } catch (BudgetExceededException e) {
                        budget.compareAndSet(null, e);
                        return;
                    }
                    if (result instanceof ExplainResult.Success s) {
                        Json.writeFile(latentsDir.resolve(name), s.explanation());
                        deleteQuietly(failuresDir.resolve(name));
                        explainedNow.incrementAndGet();
                    } else if (result instanceof ExplainResult.Failure fail) {
                        Json.writeFile(failuresDir.resolve(name), fail);
                        synchronized (failedNow) {
                            failedNow.merge(fail.reason(), 1, Integer::sum);
                        }
                    }
                }));
            }
            for (Future<?> fu : futures) {
                try {
                    fu.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        Summary summary = assemble(recordsDirLabel, files.size(), explainedNow.get(), reused, failedNow,
                budget.get() != null ? "budget" : null, startedAt);
        if (budget.get() != null) {
            throw budget.get();
        }
        return summary;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale failure file is superseded by the explanation next to it
        }
    }

    /** Rebuilds the aggregate files from the per-latent files (also after a budget stop). */
    private Summary assemble(String recordsDir, int records, int explainedNow, int reused, Map<ExplainResult.Reason, Integer> failedNow,
            String stoppedBy, String startedAt) {
        List<Explanation> explanations = new ArrayList<>();
        for (Path p : jsonFiles(out.resolve(LATENTS))) {
            Explanation e = finished(p);
            if (e != null) {
                explanations.add(e);
            }
        }
        explanations.sort(Comparator.comparing(Explanation::latent));
        List<ExplainResult.Failure> failures = new ArrayList<>();
        for (Path p : jsonFiles(out.resolve(FAILURES))) {
            if (Files.isRegularFile(out.resolve(LATENTS).resolve(p.getFileName()))) {
                continue;
            }
            try {
                failures.add(Json.MAPPER.readValue(p.toFile(), ExplainResult.Failure.class));
            } catch (IOException | RuntimeException e) {
                // an unreadable failure file only describes an unfinished latent; it is retried next run
            }
        }
        failures.sort(Comparator.comparing(ExplainResult.Failure::latent));
        StringBuilder jsonl = new StringBuilder();
        Map<String, String> descriptions = new TreeMap<>();
        for (Explanation e : explanations) {
            jsonl.append(Json.line(e)).append('\n');
            descriptions.put(e.latent().toString(), e.description());
        }
        AtomicFiles.write(out.resolve("explanations.jsonl"), o -> o.write(jsonl.toString().getBytes(StandardCharsets.UTF_8)));
        Json.writeFile(out.resolve("latent_descriptions.json"), descriptions);
        Json.writeFile(out.resolve("neuronpedia_explanations.json"),
                NeuronpediaExport.rows(explanations, options.neuronpediaModelId(), options.neuronpediaLayer()));
        StringBuilder fl = new StringBuilder();
        for (ExplainResult.Failure f : failures) {
            fl.append(Json.line(f)).append('\n');
        }
        AtomicFiles.write(out.resolve("failures.jsonl"), o -> o.write(fl.toString().getBytes(StandardCharsets.UTF_8)));
        Map<String, Integer> failed = new TreeMap<>();
        failedNow.forEach((k, v) -> failed.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
        Summary s = new Summary(Summary.SCHEMA_VERSION, Summary.TYPE, explainer.method(), recordsDir, records, explainedNow,
                reused, failed, explanations.size(), failures.size(), stoppedBy, prompt == null ? null : prompt.id(),
                prompt == null ? null : prompt.version(), prompt == null ? null : prompt.sha256(),
                client == null ? null : client.config(), client == null ? null : client.summary(), Versions.all(), startedAt,
                Instant.now().toString());
        Json.writeFile(out.resolve("summary.json"), s);
        if (client != null) {
            client.summary().write(out.resolve("llm_summary.json"));
        }
        return s;
    }

    private static List<Path> jsonFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
