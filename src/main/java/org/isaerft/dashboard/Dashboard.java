package org.isaerft.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LogitLens;
import org.isaerft.activations.MiningIndex;
import org.isaerft.activations.MiningOutput;
import org.isaerft.explain.Explanation;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * Static, self-contained HTML dashboards of mined latents (inline CSS, JS and SVG; no network):
 * {@code index.html} with a sortable table of all latents, and {@code latents/<id>.html} per latent
 * with every example's full window coloured by activation (hover shows the value), the decile
 * groups, the activation histogram, the logit lens, and explanations and scores when
 * {@code explanations.jsonl} / {@code scores.jsonl} / {@code change_summary.json} are found in the
 * records directory.
 */
public final class Dashboard {
    private Dashboard() {}

    public static final String EXPLANATIONS_FILE = "explanations.jsonl";
    public static final String SCORES_FILE = "scores.jsonl";
    public static final String CHANGES_FILE = "change_summary.json";

    /** One score line, read leniently (only the fields the dashboard shows). */
    public record ScoreView(LatentId latent, String scorer, String baseline, Double value, String undefinedReason) {}

    /** What was written. */
    public record Result(int latentPages, int explanations, int scores, int changes) {}

    /** Reads records (and optional explanations/scores/changes beside them) from {@code recordsDir} and writes the dashboard to {@code outDir}. */
    public static Result build(Path recordsDir, Path outDir) {
        return build(recordsDir, outDir, List.of(), List.of(), null);
    }

    /**
     * Like {@link #build(Path, Path)} with explicit extra inputs: explanation and score JSONL files
     * (e.g. from {@code explanations/<method>/} and {@code scores/<scorer>/<method>/}) and a change
     * summary; the files beside the records are read as well when present.
     */
    public static Result build(Path recordsDir, Path outDir, List<Path> explanationFiles, List<Path> scoreFiles, Path changesFile) {
        List<LatentRecord> records = readRecords(recordsDir);
        MiningIndex index = Files.isRegularFile(recordsDir.resolve(MiningIndex.FILE)) ? MiningOutput.readIndex(recordsDir) : null;
        Map<LatentId, List<Explanation>> expl = readExplanations(recordsDir.resolve(EXPLANATIONS_FILE));
        for (Path p : explanationFiles) {
            requireFile(p, "explanations");
            readExplanations(p).forEach((k, v) -> expl.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }
        Map<LatentId, List<ScoreView>> scores = readScores(recordsDir.resolve(SCORES_FILE));
        for (Path p : scoreFiles) {
            requireFile(p, "scores");
            readScores(p).forEach((k, v) -> scores.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }
        Map<LatentId, Double> changes = readChanges(recordsDir.resolve(CHANGES_FILE));
        if (changesFile != null) {
            requireFile(changesFile, "change summary");
            changes.putAll(readChanges(changesFile));
        }
        for (LatentRecord r : records) {
            String page = LatentPage.render(r, expl.getOrDefault(r.id(), List.of()), scores.getOrDefault(r.id(), List.of()),
                    changes.get(r.id()));
            AtomicFiles.writeString(outDir.resolve("latents").resolve(pageName(r.id())), page);
        }
        AtomicFiles.writeString(outDir.resolve("index.html"), IndexPage.render(records, index, expl, scores, changes));
        int ne = expl.values().stream().mapToInt(List::size).sum();
        int ns = scores.values().stream().mapToInt(List::size).sum();
        return new Result(records.size(), ne, ns, changes.size());
    }

    private static void requireFile(Path p, String what) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(what + " file " + p + " does not exist");
        }
    }

    static String pageName(LatentId id) {
        return id.fileSafe() + ".html";
    }

    /** Records listed in index.json if there is one, else every JSON file of type latent_record, in id order. */
    static List<LatentRecord> readRecords(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("records directory " + dir + " does not exist");
        }
        List<LatentRecord> out;
        if (Files.isRegularFile(dir.resolve(MiningIndex.FILE))) {
            out = new ArrayList<>(MiningOutput.readRecords(dir));
        } else {
            out = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                    JsonNode n = Json.MAPPER.readTree(p.toFile());
                    if (LatentRecord.TYPE.equals(n.path("type").asText())) {
                        out.add(Json.MAPPER.treeToValue(n, LatentRecord.class));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read latent records in " + dir + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no latent records in " + dir + " (expected index.json or *.json of type latent_record)");
        }
        out.sort((a, b) -> a.id().compareTo(b.id()));
        return out;
    }

    static Map<LatentId, List<Explanation>> readExplanations(Path file) {
        Map<LatentId, List<Explanation>> out = new TreeMap<>();
        forEachLine(file, (n, line) -> {
            Explanation e = Json.LINE.treeToValue(n, Explanation.class);
            out.computeIfAbsent(e.latent(), k -> new ArrayList<>()).add(e);
        });
        return out;
    }

    static Map<LatentId, List<ScoreView>> readScores(Path file) {
        Map<LatentId, List<ScoreView>> out = new TreeMap<>();
        forEachLine(file, (n, line) -> {
            if (!n.hasNonNull("latent") || !n.hasNonNull("scorer")) {
                throw new IllegalArgumentException(file + " line " + line + ": a score needs 'latent' and 'scorer'");
            }
            LatentId id = LatentId.parse(n.get("latent").asText());
            Double v = n.hasNonNull("value") ? n.get("value").asDouble() : null;
            JsonNode u = n.path("undefined");
            String reason = u.isObject() ? u.path("reason").asText("") + (u.hasNonNull("message") ? ": " + u.get("message").asText() : "")
                    : u.asText(null);
            out.computeIfAbsent(id, k -> new ArrayList<>())
                    .add(new ScoreView(id, n.get("scorer").asText(), n.path("baseline").asText("none"), v, reason));
        });
        return out;
    }

    /**
     * Adapter change per latent from {@code change_summary.json}: every object in the file that names a
     * latent ({@code latent}, {@code latent_id} or {@code id}) and has a numeric field whose name contains
     * "change" (preferring {@code activation_change}) contributes that value.
     */
    static Map<LatentId, Double> readChanges(Path file) {
        Map<LatentId, Double> out = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        collectChanges(root, out);
        return out;
    }

    private static void collectChanges(JsonNode n, Map<LatentId, Double> out) {
        if (n.isObject()) {
            Optional<String> id = Stream.of("latent", "latent_id", "id").map(n::path).filter(JsonNode::isTextual)
                    .map(JsonNode::asText).filter(s -> s.matches(".+/\\d+")).findFirst();
            if (id.isPresent()) {
                Double v = n.path("activation_change").isNumber() ? n.path("activation_change").asDouble() : null;
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); v == null && it.hasNext();) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (f.getKey().contains("change") && f.getValue().isNumber()) {
                        v = f.getValue().asDouble();
                    }
                }
                if (v != null) {
                    out.put(LatentId.parse(id.get()), v);
                }
            }
        }
        if (n.isContainerNode()) {
            for (JsonNode c : n) {
                collectChanges(c, out);
            }
        }
    }

    private interface LineHandler {
        void accept(JsonNode node, int line) throws IOException;
    }

    private static void forEachLine(Path file, LineHandler h) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String s;
            int line = 0;
            while ((s = r.readLine()) != null) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                try {
                    h.accept(Json.LINE.readTree(s), line);
                } catch (IOException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + line + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Headline score per scorer of one latent: the value of the real explanation (baseline none), the first if several. */
    static Map<String, Double> headlineScores(List<ScoreView> scores) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ScoreView s : scores) {
            if ("none".equals(s.baseline()) && s.value() != null) {
                out.putIfAbsent(s.scorer(), s.value());
            }
        }
        return out;
    }

    static TreeSet<String> scorers(Map<LatentId, List<ScoreView>> scores) {
        TreeSet<String> out = new TreeSet<>();
        scores.values().forEach(l -> l.forEach(s -> out.add(s.scorer())));
        return out;
    }

    static final String CSS = """
            body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em;color:#222;max-width:1200px}
            h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
            table{border-collapse:collapse;font-size:.9em}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
            th.sort{cursor:pointer;user-select:none}th.sort:hover{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
            tr.dead td{color:#999}.meta{color:#666;font-size:.9em}
            .ex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;white-space:pre-wrap;line-height:1.7;
            border:1px solid #eee;padding:4px 6px;margin:4px 0}
            .ex .tok{border-radius:2px}.ex .peak{outline:1px solid #c60}
            .exhead{font-size:.8em;color:#666}.split-score{color:#06c}.split-explain{color:#393}
            .lens{display:inline-block;vertical-align:top;margin-right:2em}.expl{background:#f7f7f2;padding:6px 10px;margin:4px 0}
            """;
}
