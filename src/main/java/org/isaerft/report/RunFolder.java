package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.isaerft.activations.LatentId;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.util.Json;

/**
 * A run folder's stage outputs, read once: every part is null (or empty) when its stage did not run
 * or wrote nothing. The report model and summary.json are built from this, never from the disk again.
 *
 * @param dir          the run folder
 * @param runConfig    {@code run_config.json}
 * @param adapters     {@code adapters/summary.json}
 * @param scores       every {@code score/<sae>/<method>/summary.json}, by its folder relative to {@code score/}
 * @param validation   {@code validate/validation.json}
 * @param comparison   {@code validate/comparison.json}
 * @param audit        {@code validate/audit.json}
 * @param trigger      {@code validate/trigger.json}
 * @param recovery     the known-answer recovery stage's {@code recovery/recovery.json} (null: not run)
 * @param compare      {@code compare.json} (after {@code isaerft report compare})
 * @param dashboards   {@code dashboards.json}
 * @param descriptions per SAE: latent id → method → description (from {@code explain/<sae>/<method>/latent_descriptions.json})
 */
public record RunFolder(Path dir, JsonNode runConfig, JsonNode adapters, Map<Path, JsonNode> scores, JsonNode validation,
        JsonNode comparison, JsonNode audit, JsonNode trigger, JsonNode recovery, JsonNode compare, JsonNode dashboards,
        Map<String, Map<String, Map<String, String>>> descriptions) {
    public RunFolder {
        if (dir == null) {
            throw new IllegalArgumentException("run folder needed");
        }
        scores = scores == null ? Map.of() : scores;
        descriptions = descriptions == null ? Map.of() : descriptions;
    }

    /** Reads every stage output that exists under {@code dir}. */
    public static RunFolder read(Path dir) {
        RunLayout run = new RunLayout(dir);
        Path scoreRoot = run.stage(StageId.SCORE);
        Map<Path, JsonNode> scores = new LinkedHashMap<>();
        for (Path s : files(scoreRoot, "summary.json")) {
            scores.put(scoreRoot.relativize(s.getParent()), json(s));
        }
        return new RunFolder(dir, json(run.runConfig()), json(run.adaptersSummary()), scores,
                json(run.validation()), json(run.comparison()), json(run.audit()), json(run.trigger()), json(run.recovery()),
                json(run.compare()), json(run.dashboardsIndex()), descriptions(run.stage(StageId.EXPLAIN)));
    }

    /** The run id from run_config.json, else the folder name. */
    public String runId() {
        return runConfig == null ? dir.getFileName().toString() : runConfig.path("run_id").asText();
    }

    /** The cards without expectations (controls), as listed by the comparison; "control" when it lists none. */
    public List<String> controlTasks() {
        List<String> out = new ArrayList<>();
        if (comparison != null) {
            comparison.path("excluded_tasks").forEach(t -> out.add(t.asText()));
        }
        if (out.isEmpty()) {
            out.add("control");
        }
        return out;
    }

    static Map<String, Map<String, Map<String, String>>> descriptions(Path explain) {
        Map<String, Map<String, Map<String, String>>> out = new TreeMap<>();
        if (!Files.isDirectory(explain)) {
            return out;
        }
        try (Stream<Path> saes = Files.list(explain)) {
            for (Path sdir : saes.filter(Files::isDirectory).sorted().toList()) {
                Map<String, Map<String, String>> byLatent = new TreeMap<>(java.util.Comparator.comparing(LatentId::parse));
                try (Stream<Path> methods = Files.list(sdir)) {
                    for (Path m : methods.filter(Files::isDirectory).sorted().toList()) {
                        JsonNode d = json(m.resolve("latent_descriptions.json"));
                        if (d == null) {
                            continue;
                        }
                        for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext();) {
                            var e = it.next();
                            byLatent.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(m.getFileName().toString(), e.getValue().asText());
                        }
                    }
                }
                out.put(sdir.getFileName().toString(), byLatent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + explain, e);
        }
        return out;
    }

    static JsonNode json(Path p) {
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    static List<Path> files(Path dir, String name) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().equals(name)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static Double num(JsonNode n) {
        return n != null && n.isNumber() ? n.asDouble() : null;
    }
}
