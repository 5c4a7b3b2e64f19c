package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.isaerft.adapter.task.TaskCard;

/**
 * One off-task change of the data audit, with the cell it belongs to (an element of {@code validate/audit.json}).
 *
 * @param exampleHasTrigger on a poisoned card: whether the latent's top example contains the trigger phrase
 * @param triggerLatent     on a poisoned card with a trigger search: whether the latent is one of the trigger latents
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(String sae, String task, String component, String method, String latent, int changeRank, double change,
        double relevance, String description, String example, boolean poisonedCard, Boolean exampleHasTrigger, Boolean triggerLatent) {

    /** The validation's flagged latents; on a poisoned card, whether the flagged latent's top example contains the trigger. */
    public static List<AuditEntry> of(String sae, TaskCard card, String comp, String method, Validation v) {
        String trigger = card.triggerPhrase() == null ? null : card.triggerPhrase().toLowerCase(Locale.ROOT);
        List<AuditEntry> out = new ArrayList<>();
        for (Validation.Flag f : v.audit().flagged()) {
            String example = f.examples().isEmpty() ? null : f.examples().get(0);
            Boolean has = trigger == null ? null
                    : example != null && example.replace("<<", "").replace(">>", "").toLowerCase(Locale.ROOT).contains(trigger);
            Boolean isTrigger = v.audit().trigger() == null ? null : v.audit().trigger().triggerLatents().contains(f.latent().index());
            out.add(new AuditEntry(sae, v.task(), comp, method, f.latent().toString(), f.changeRank(), f.change(), f.relevance(),
                    f.description(), example, trigger != null, has, isTrigger));
        }
        return out;
    }
}
