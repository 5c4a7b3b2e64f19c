package org.isaerft.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.isaerft.util.Json;

/**
 * Two run folders compared byte for byte outside the timing fields — the rules of {@code scripts/check-demo-identical.sh}
 * (which documents them): JSON/JSONL parsed with the keys {@link #TIMING} removed at any depth, the numbers of the
 * stage-timing tables of report.md/report.html masked, every other file byte for byte; llm_cache/, *.tmp, *.ckpt skipped.
 */
final class RunFolderDiff {
    static final Set<String> TIMING = Set.of("seconds", "cpu_seconds", "started_at", "finished_at", "updated_at", "created_at",
            "tokens_per_second", "git_commit", "timing");

    private RunFolderDiff() {}

    /** The differences ("only in A: f", "differs: f"), empty when identical. */
    static List<String> diff(Path a, Path b) {
        TreeSet<String> fa = files(a);
        TreeSet<String> fb = files(b);
        List<String> out = new ArrayList<>();
        fa.stream().filter(f -> !fb.contains(f)).forEach(f -> out.add("only in A: " + f));
        fb.stream().filter(f -> !fa.contains(f)).forEach(f -> out.add("only in B: " + f));
        for (String f : fa) {
            if (fb.contains(f)) {
                Object x = load(a.resolve(f), f);
                Object y = load(b.resolve(f), f);
                if (!x.equals(y)) {
                    out.add("differs: " + f + (x instanceof JsonNode jx && y instanceof JsonNode jy ? ": " + first(jx, jy, "")
                            : x instanceof String sx && y instanceof String sy ? ": " + firstLine(sx, sy) : ""));
                }
            }
        }
        return out;
    }

    static TreeSet<String> files(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            TreeSet<String> out = new TreeSet<>();
            s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(f -> !f.startsWith("llm_cache/") && !f.endsWith(".tmp") && !f.endsWith(".ckpt")).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object load(Path p, String rel) {
        try {
            byte[] raw = Files.readAllBytes(p);
            String name = p.getFileName().toString();
            if (rel.endsWith(".jsonl")) {
                List<JsonNode> lines = new ArrayList<>();
                for (String l : new String(raw, StandardCharsets.UTF_8).split("\n")) {
                    if (!l.isBlank()) {
                        lines.add(strip(Json.MAPPER.readTree(l)));
                    }
                }
                return lines;
            }
            if (rel.endsWith(".json") || name.equals("_STARTED") || name.equals("_SUCCESS") || name.equals("_COMPLETE")) {
                return strip(Json.MAPPER.readTree(raw));
            }
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            if (rel.equals("report.md")) {
                return text.replaceAll("(?m)^\\| (\\w+) \\| [0-9.]+ \\| [0-9.NaN]+ \\| (true|false) \\|$", "| $1 | T | T | $2 |");
            }
            if (rel.equals("report.html")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("<table id=\"timing\">.*?</table>", java.util.regex.Pattern.DOTALL)
                        .matcher(text);
                return m.replaceAll(r -> java.util.regex.Matcher.quoteReplacement(
                        r.group().replaceAll("<td data-v=\"[^\"]*\" class=\"num\">[^<]*</td>", "<td class=num>T</td>")));
            }
            return Arrays.hashCode(raw) + ":" + raw.length + ":" + text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** The first line where two texts differ, both versions. */
    static String firstLine(String x, String y) {
        String[] a = x.split("\n", -1);
        String[] b = y.split("\n", -1);
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (!a[i].equals(b[i])) {
                return "line " + (i + 1) + ": A «" + a[i] + "» B «" + b[i] + "»";
            }
        }
        return "A has " + a.length + " lines, B " + b.length;
    }

    /** The path and values of the first difference between two JSON trees. */
    static String first(JsonNode x, JsonNode y, String at) {
        if (x.isObject() && y.isObject()) {
            for (var it = x.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!y.has(k)) {
                    return at + "." + k + " only in A";
                }
                if (!x.get(k).equals(y.get(k))) {
                    return first(x.get(k), y.get(k), at + "." + k);
                }
            }
            return at + ": keys only in B";
        }
        if (x.isArray() && y.isArray() && x.size() == y.size()) {
            for (int i = 0; i < x.size(); i++) {
                if (!x.get(i).equals(y.get(i))) {
                    return first(x.get(i), y.get(i), at + "[" + i + "]");
                }
            }
        }
        String sx = x.toString();
        String sy = y.toString();
        return at + ": " + sx.substring(0, Math.min(200, sx.length())) + " vs " + sy.substring(0, Math.min(200, sy.length()));
    }

    private static JsonNode strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove(TIMING);
            o.forEach(RunFolderDiff::strip);
        } else if (n instanceof ArrayNode a) {
            a.forEach(RunFolderDiff::strip);
        }
        return n;
    }
}
