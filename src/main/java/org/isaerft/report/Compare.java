package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.util.Json;

/**
 * Compares a run's {@code summary.json} with a previous run's: every headline's delta against a
 * tolerance (absolute; the longest matching name prefix in the tolerances wins, else the default),
 * marked {@code regression}, {@code improvement}, {@code unchanged}, {@code new} or {@code missing}.
 * A headline with a 95% CI in the current run is a regression or improvement only when its change
 * exceeds the tolerance <em>and</em> the previous value lies outside the current CI: a change the
 * run's own sampling uncertainty explains is marked {@code unchanged} (with {@code within_ci}).
 * Writes {@code compare.json} into the current run and re-renders its report with the comparison.
 */
public final class Compare {
    private Compare() {}

    /** Tolerances: a default and per-name-prefix overrides (YAML: {@code default: 0.02, prefixes: {"score/": 0.05}}). */
    public record Tolerances(double defaultTolerance, Map<String, Double> prefixes) {
        public Tolerances {
            if (!(defaultTolerance >= 0)) {
                throw new IllegalArgumentException("tolerance default: expected >= 0, found " + defaultTolerance);
            }
            prefixes = prefixes == null ? Map.of() : Map.copyOf(prefixes);
            for (var e : prefixes.entrySet()) {
                if (e.getValue() == null || !(e.getValue() >= 0)) {
                    throw new IllegalArgumentException("tolerance for prefix '" + e.getKey() + "': expected >= 0, found " + e.getValue());
                }
            }
        }

        public static final Tolerances DEFAULT = new Tolerances(0.02, Map.of());

        /** Reads {@code default} and {@code prefixes} from a YAML/JSON file; errors name the file. */
        public static Tolerances read(Path file) {
            JsonNode n;
            try {
                n = (Json.isYaml(file) ? Json.YAML : Json.MAPPER).readTree(file.toFile());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(file + ": cannot read tolerances: " + e.getMessage(), e);
            }
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(file + ": expected a mapping with 'default' and 'prefixes'");
            }
            Map<String, Double> p = new LinkedHashMap<>();
            for (var it = n.path("prefixes").fields(); it.hasNext();) {
                var e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new IllegalArgumentException(file + ": prefixes." + e.getKey() + ": expected a number, found " + e.getValue());
                }
                p.put(e.getKey(), e.getValue().asDouble());
            }
            try {
                return new Tolerances(n.path("default").isNumber() ? n.path("default").asDouble() : DEFAULT.defaultTolerance(), p);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }

        public double forName(String name) {
            String best = null;
            for (String p : prefixes.keySet()) {
                if (name.startsWith(p) && (best == null || p.length() > best.length())) {
                    best = p;
                }
            }
            return best == null ? defaultTolerance : prefixes.get(best);
        }
    }

    /**
     * One compared headline.
     *
     * @param withinCi whether the previous value lies inside the current run's 95% CI (null when it has none)
     */
    public record Row(String name, Double previous, Double current, Double delta, double tolerance, Boolean withinCi, String status) {}

    /** The comparison written to {@code compare.json}. */
    public record Comparison(@com.fasterxml.jackson.annotation.JsonProperty("schema_version") int schemaVersion, String type,
            String previous, String current, int regressions, int improvements, List<Row> rows) {}

    public static Comparison compare(Path previous, Path current, Tolerances tol) {
        Map<String, JsonNode> prev = headlines(previous);
        Map<String, JsonNode> cur = headlines(current);
        List<Row> rows = new ArrayList<>();
        int reg = 0;
        int imp = 0;
        for (String name : new TreeSet<>(union(prev.keySet(), cur.keySet()))) {
            JsonNode p = prev.get(name);
            JsonNode c = cur.get(name);
            double t = tol.forName(name);
            if (p == null) {
                rows.add(new Row(name, null, c.path("value").asDouble(), null, t, null, "new"));
                continue;
            }
            if (c == null) {
                rows.add(new Row(name, p.path("value").asDouble(), null, null, t, null, "missing"));
                continue;
            }
            double pv = p.path("value").asDouble();
            double cv = c.path("value").asDouble();
            double d = cv - pv;
            boolean higher = c.path("higher_is_better").asBoolean(true);
            Boolean withinCi = c.path("ci_low").isNumber() && c.path("ci_high").isNumber()
                    ? pv >= c.path("ci_low").asDouble() && pv <= c.path("ci_high").asDouble() : null;
            String status;
            if (Math.abs(d) <= t || Boolean.TRUE.equals(withinCi)) {
                status = "unchanged";
            } else if ((d > 0) == higher) {
                status = "improvement";
                imp++;
            } else {
                status = "regression";
                reg++;
            }
            rows.add(new Row(name, pv, cv, d, t, withinCi, status));
        }
        return new Comparison(1, "run_comparison", previous.toAbsolutePath().toString(), current.toAbsolutePath().toString(), reg, imp, rows);
    }

    /** Compares, writes {@code current/compare.json}, re-renders the current report; returns the comparison. */
    public static Comparison compareAndReport(Path previous, Path current, Tolerances tol) {
        Comparison c = compare(previous, current, tol);
        Json.writeFile(new RunLayout(current).compare(), c);
        Report.render(current);
        return c;
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    static Map<String, JsonNode> headlines(Path run) {
        Path f = new RunLayout(run).summary();
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(f + ": no summary.json (is " + run + " a finished run folder?)");
        }
        JsonNode n = RunFolder.json(f);
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (JsonNode h : n.path("headlines")) {
            m.put(h.path("name").asText(), h);
        }
        return m;
    }
}
