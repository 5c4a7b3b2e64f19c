package org.isaerft.score;

import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Prompts;

/**
 * Delphi detection: the judge reads the explanation and a batch of held-out examples — activating
 * (top and decile) and non-activating (random) — and says which ones activate the latent.
 */
public final class DetectionScorer extends JudgeScorer {
    public static final String NAME = "detection";
    public static final String PROMPT = "score/detection";

    public DetectionScorer(ScoringLlm llm, Prompts prompts, long seed) {
        super(llm, prompts, PROMPT, seed);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected List<Item> items(LatentRecord record, long itemSeed) {
        List<Item> out = new ArrayList<>();
        for (HeldOut h : HeldOut.of(record, true, true, true)) {
            out.add(new Item(h.ref(), h.example().text(), h.activating(), null));
        }
        return out;
    }
}
