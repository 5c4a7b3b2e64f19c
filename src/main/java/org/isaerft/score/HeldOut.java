package org.isaerft.score;

import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;

/**
 * A latent's held-out examples: only those with split {@link Example#SPLIT_SCORE}, each with a
 * reference {@code top:i}, {@code decile:i} or {@code random:i} (its index in the record's list).
 *
 * @param activating true for top and decile examples, false for random (non-activating) ones
 */
public record HeldOut(String ref, Example example, boolean activating) {
    /** Held-out examples of the chosen kinds, in record order (top, decile, random). */
    public static List<HeldOut> of(LatentRecord r, boolean top, boolean decile, boolean random) {
        List<HeldOut> out = new ArrayList<>();
        if (top) {
            add(out, r.topExamples(), "top", true);
        }
        if (decile) {
            add(out, r.decileExamples(), "decile", true);
        }
        if (random) {
            add(out, r.randomExamples(), "random", false);
        }
        return out;
    }

    private static void add(List<HeldOut> out, List<Example> list, String kind, boolean activating) {
        for (int i = 0; i < list.size(); i++) {
            if (Example.SPLIT_SCORE.equals(list.get(i).split())) {
                out.add(new HeldOut(kind + ":" + i, list.get(i), activating));
            }
        }
    }
}
