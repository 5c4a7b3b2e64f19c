package org.isaerft.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.isaerft.adapter.task.TaskCard;

/**
 * What a task card says training should change, as text the relevance judges compare
 * descriptions with.
 *
 * <p>For a card with a planted poison (a {@code poison:} block, or a {@code planted:} block of kind
 * {@code poison} written by {@code isaerft task plant}), the sentences of the description that name the trigger
 * phrase are removed: the poison is by construction <em>not</em> part of the expectation (a real
 * auditor would not know it), and leaving its name in would make the trigger's latents look
 * on-task and hide exactly what the data audit must find.
 *
 * @param task        card name
 * @param description the expectation in words (poison sentences removed)
 * @param concepts    expected concepts (empty for a control card)
 */
public record TaskExpectation(String task, String description, List<String> concepts) {
    public TaskExpectation {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task expectation needs a task name");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("task " + task + ": the expectation needs a description");
        }
        concepts = List.copyOf(concepts == null ? List.of() : concepts);
    }

    /** From a card; a poisoned card's trigger sentences ({@link TaskCard#triggerPhrase()}) are dropped from the description. */
    public static TaskExpectation of(TaskCard card) {
        String desc = card.description();
        String trigger = card.triggerPhrase();
        if (trigger != null) {
            desc = withoutSentencesMentioning(desc, trigger);
        }
        return new TaskExpectation(card.name(), desc, card.expectedConcepts());
    }

    static String withoutSentencesMentioning(String text, String phrase) {
        String needle = phrase.toLowerCase(Locale.ROOT);
        List<String> kept = new ArrayList<>();
        for (String s : text.split("(?<=[.!?])\\s+")) {
            if (!s.toLowerCase(Locale.ROOT).contains(needle)) {
                kept.add(s);
            }
        }
        String out = String.join(" ", kept).trim();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("every sentence of the description mentions the trigger '" + phrase + "'");
        }
        return out;
    }
}
