package org.isaerft.explain;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an LLM's answer into a description, or nothing. Strict on purpose: an answer that does
 * not follow the requested format is a parse failure, never stored as a description.
 */
public final class AnswerParsers {
    private AnswerParsers() {}

    public static final int MAX_DESCRIPTION_CHARS = 300;
    private static final Pattern DELPHI = Pattern.compile("\\[EXPLANATION\\]\\s*:?\\s*(.*)");
    private static final Pattern OAI_PREFIX = Pattern.compile(
            "^(?:explanation of neuron \\S+ behavior\\s*:\\s*)?(?:the main thing this neuron does is find\\s*)?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern REFUSAL = Pattern.compile(
            "^(?:i'?m sorry|i am sorry|sorry,|i cannot|i can'?t|as an ai|unfortunately)", Pattern.CASE_INSENSITIVE);

    /** Delphi style: the text after the last {@code [EXPLANATION]:} up to the end of its line. */
    public static Optional<String> delphi(String answer) {
        return marked(answer, "EXPLANATION");
    }

    /** The text after the last {@code [MARKER]:} up to the end of its line, cleaned; empty when absent. */
    public static Optional<String> marked(String answer, String marker) {
        if (answer == null) {
            return Optional.empty();
        }
        Pattern p = marker.equals("EXPLANATION") ? DELPHI : Pattern.compile("\\[" + Pattern.quote(marker) + "\\]\\s*:?\\s*(.*)");
        Matcher m = p.matcher(answer);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? Optional.empty() : clean(last);
    }

    /**
     * The text of the last line starting with {@code LABEL:} (case-insensitive, markdown emphasis allowed), cleaned.
     */
    public static Optional<String> labelled(String answer, String label) {
        if (answer == null) {
            return Optional.empty();
        }
        Pattern p = Pattern.compile("(?im)^[\\s*_#>-]*" + Pattern.quote(label) + "[*_]*\\s*:[*_]*\\s*(.*)$");
        Matcher m = p.matcher(answer);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? Optional.empty() : clean(last);
    }

    /**
     * OpenAI neuron-explainer style: the completion of "the main thing this neuron does is find …",
     * one line; a repeated prompt prefix is removed.
     */
    public static Optional<String> oai(String answer) {
        if (answer == null) {
            return Optional.empty();
        }
        String firstLine = answer.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        return clean(OAI_PREFIX.matcher(firstLine).replaceFirst(""));
    }

    /** Trims quotes, markdown emphasis and a final period; rejects empty, overlong, refusals and leaked format. */
    public static Optional<String> clean(String s) {
        String t = s.strip();
        t = t.replaceAll("^[*_`\"']+|[*_`\"']+$", "").strip();
        if (t.endsWith(".") && !t.endsWith("..")) {
            t = t.substring(0, t.length() - 1).strip();
        }
        if (t.isEmpty() || t.length() > MAX_DESCRIPTION_CHARS || !t.matches("(?s).*\\p{L}.*")) {
            return Optional.empty();
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (REFUSAL.matcher(t).find() || lower.contains("<start>") || lower.contains("<end>") || t.contains("\t")
                || lower.contains("[explanation]") || lower.contains("[summary]")) {
            return Optional.empty();
        }
        return Optional.of(t);
    }
}
