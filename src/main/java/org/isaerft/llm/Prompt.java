package org.isaerft.llm;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A versioned prompt, loaded from {@code prompts/<id>.yaml}: a system message, a user template,
 * and optional few-shot (user, assistant) pairs. Templates use {@code {{name}}} placeholders;
 * rendering fails on a missing or unused variable, so a prompt can never silently lose an input.
 *
 * @param sha256 hash of the file's bytes: recorded with every result made with this prompt
 */
public record Prompt(String id, String version, String description, String system, String user, List<Shot> fewShot,
        @JsonIgnore String sha256) {
    private static final Pattern VAR = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    public Prompt {
        if (id == null || id.isBlank() || version == null || version.isBlank()) {
            throw new IllegalArgumentException("prompt needs an id and a version");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("prompt " + id + " has no user template");
        }
        fewShot = List.copyOf(fewShot == null ? List.of() : fewShot);
    }

    /** One worked example shown before the real question. */
    public record Shot(String user, String assistant) {}

    /** "id@version". */
    public String ref() {
        return id + "@" + version;
    }

    public String renderUser(Map<String, ?> vars) {
        return render(user, vars, "user");
    }

    public String renderSystem(Map<String, ?> vars) {
        return system == null ? null : render(system, vars, "system");
    }

    /** Substitutes every {@code {{name}}}; each variable must be used by the template and provided. */
    public String render(String template, Map<String, ?> vars, String part) {
        Matcher m = VAR.matcher(template);
        StringBuilder sb = new StringBuilder();
        java.util.Set<String> used = new java.util.HashSet<>();
        while (m.find()) {
            String name = m.group(1);
            if (!vars.containsKey(name)) {
                throw new IllegalArgumentException("prompt " + ref() + " (" + part + "): variable '" + name + "' not provided (have "
                        + vars.keySet() + ")");
            }
            used.add(name);
            m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(vars.get(name))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The variables a template expects. */
    public static java.util.Set<String> variables(String template) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        Matcher m = VAR.matcher(template == null ? "" : template);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
