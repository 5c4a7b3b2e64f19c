package org.isaerft.validate;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.adapter.AdapterOutputs;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.explain.ExplainRun;
import org.isaerft.explain.Explanation;
import org.isaerft.util.Json;

/** Readers for what a validation consumes: change summaries, explanations, latent records. */
public final class ValidationInputs {
    private ValidationInputs() {}

    /** The {@code change_summary.json} of an adapter directory (or the file itself). */
    public static ChangeSummary changeSummary(Path adapter) {
        Path f = Files.isDirectory(adapter) ? adapter.resolve(AdapterOutputs.CHANGE_SUMMARY) : adapter;
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("change summary not found: " + f + " (train an adapter first: isaerft adapter train)");
        }
        ChangeSummary cs;
        try {
            cs = Json.MAPPER.readValue(f.toFile(), ChangeSummary.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + ": not a change summary: " + e.getMessage(), e);
        }
        if (cs.schemaVersion() != ChangeSummary.SCHEMA_VERSION) {
            throw new IllegalArgumentException(f + ": schema_version: expected " + ChangeSummary.SCHEMA_VERSION + ", found " + cs.schemaVersion());
        }
        if (cs.latents().isEmpty()) {
            throw new IllegalArgumentException(f + ": latents: the change summary is empty");
        }
        return cs;
    }

    /** Descriptions by latent id, and the method that wrote them. */
    public record Descriptions(String method, Map<LatentId, String> byId) {}

    /**
     * Reads {@code explanations.jsonl} (method from the records; all lines must share one) or
     * {@code latent_descriptions.json} (method = {@code methodHint}, else the folder's name).
     */
    public static Descriptions descriptions(Path file, String methodHint) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("explanations not found: " + file);
        }
        Map<LatentId, String> out = new LinkedHashMap<>();
        try {
            if (file.getFileName().toString().endsWith(".jsonl")) {
                Set<String> methods = new LinkedHashSet<>();
                int line = 0;
                for (String s : Files.readAllLines(file)) {
                    line++;
                    if (s.isBlank()) {
                        continue;
                    }
                    Explanation e;
                    try {
                        e = Json.MAPPER.readValue(s, Explanation.class);
                    } catch (IOException | RuntimeException ex) {
                        throw new IllegalArgumentException(file + ":" + line + ": not an explanation: " + ex.getMessage(), ex);
                    }
                    methods.add(e.method());
                    if (out.put(e.latent(), e.description()) != null) {
                        throw new IllegalArgumentException(file + ":" + line + ": second explanation of " + e.latent());
                    }
                }
                if (methods.size() != 1) {
                    throw new IllegalArgumentException(file + ": expected explanations by one method, found " + methods);
                }
                return new Descriptions(methodHint != null ? methodHint : methods.iterator().next(), out);
            }
            Map<String, String> m = Json.MAPPER.readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
            for (var e : m.entrySet()) {
                if (e.getValue() == null || e.getValue().isBlank()) {
                    throw new IllegalArgumentException(file + ": latent " + e.getKey() + " has an empty description");
                }
                out.put(LatentId.parse(e.getKey()), e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        Path parent = file.toAbsolutePath().getParent();
        return new Descriptions(methodHint != null ? methodHint : parent.getFileName().toString(), out);
    }

    /**
     * The descriptions of the change summary's latents: ids whose source is the summary's hook
     * or ends with "/" + hook. Several matching sources are ambiguous and refused.
     */
    public static Map<Integer, Validator.Described> forSummary(Descriptions d, ChangeSummary cs) {
        Set<String> sources = new LinkedHashSet<>();
        Map<Integer, Validator.Described> out = new HashMap<>();
        for (var e : d.byId().entrySet()) {
            String src = e.getKey().source();
            if (src.equals(cs.hook()) || src.endsWith("/" + cs.hook())) {
                sources.add(src);
                out.put(e.getKey().index(), new Validator.Described(e.getKey(), e.getValue()));
            }
        }
        if (sources.isEmpty()) {
            Set<String> found = new LinkedHashSet<>();
            d.byId().keySet().forEach(id -> found.add(id.source()));
            throw new IllegalArgumentException("no explanation is of a latent at hook " + cs.hook() + " (the adapter's); found sources "
                    + found);
        }
        if (sources.size() > 1) {
            throw new IllegalArgumentException("explanations of several SAEs at hook " + cs.hook() + ": " + sources
                    + "; pass one SAE's explanations");
        }
        return out;
    }

    /**
     * Example snippets of a latent from a records directory: its top examples' windows, at most
     * {@code n}, each up to 24 tokens either side of the peak, the peak token marked {@code <<…>>}.
     */
    public static List<String> examples(Path recordsDir, LatentId id, int n) {
        if (recordsDir == null) {
            return List.of();
        }
        Path f = recordsDir.resolve(id.fileSafe() + ".json");
        if (!Files.isRegularFile(f)) {
            return List.of();
        }
        LatentRecord r = ExplainRun.readRecord(f);
        List<String> out = new ArrayList<>();
        for (Example e : r.topExamples()) {
            if (out.size() >= n) {
                break;
            }
            int peak = e.argMax();
            int from = Math.max(0, peak - 24);
            int to = Math.min(e.tokens().size(), peak + 25);
            StringBuilder sb = new StringBuilder();
            for (int i = from; i < to; i++) {
                sb.append(i == peak ? "<<" + e.tokens().get(i) + ">>" : e.tokens().get(i));
            }
            out.add(sb.toString().replace("\n", " ").strip());
        }
        return out;
    }
}
