package org.isaerft.score;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Prompts;

/**
 * Delphi fuzzing: held-out activating examples are shown with tokens marked {@code <<like this>>}.
 * In half of them (seeded choice) the marks are on the activating tokens (activation ≥
 * {@value #THRESHOLD} of the example's maximum); in the other half the same number of tokens is
 * marked at random among the non-activating ones. The judge says which examples are marked
 * correctly for the explanation. Examples with no non-activating token to mark wrongly stay
 * correctly marked.
 */
public final class FuzzingScorer extends JudgeScorer {
    public static final String NAME = "fuzzing";
    public static final String PROMPT = "score/fuzzing";
    static final double THRESHOLD = 0.3;

    public FuzzingScorer(ScoringLlm llm, Prompts prompts, long seed) {
        super(llm, prompts, PROMPT, seed);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected List<Item> items(LatentRecord record, long itemSeed) {
        List<HeldOut> activating = ScoreMath.shuffled(HeldOut.of(record, true, true, false).stream()
                .filter(h -> h.example().maxActivation() > 0).toList(), itemSeed);
        SplittableRandom rng = new SplittableRandom(itemSeed ^ 0x9E3779B97F4A7C15L);
        int nCorrect = (activating.size() + 1) / 2;
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < activating.size(); i++) {
            HeldOut h = activating.get(i);
            Example e = h.example();
            boolean[] correct = activatingTokens(e);
            int k = 0;
            List<Integer> others = new ArrayList<>();
            for (int t = 0; t < correct.length; t++) {
                if (correct[t]) {
                    k++;
                } else {
                    others.add(t);
                }
            }
            boolean[] marks;
            boolean label;
            if (i < nCorrect || others.isEmpty()) {
                marks = correct;
                label = true;
            } else {
                marks = new boolean[correct.length];
                List<Integer> pick = ScoreMath.shuffled(others, rng.nextLong());
                for (int j = 0; j < Math.min(k, pick.size()); j++) {
                    marks[pick.get(j)] = true;
                }
                label = false;
            }
            out.add(new Item(h.ref(), highlight(e.tokens(), marks), label, positions(marks)));
        }
        return out;
    }

    /** Tokens at or above THRESHOLD × the example's maximum (and above 0). */
    static boolean[] activatingTokens(Example e) {
        float max = e.maxActivation();
        boolean[] out = new boolean[e.activations().length];
        for (int t = 0; t < out.length; t++) {
            out[t] = e.activations()[t] > 0 && e.activations()[t] >= THRESHOLD * max;
        }
        return out;
    }

    /** Joins tokens, wrapping each run of marked tokens in {@code <<…>>}. */
    static String highlight(List<String> tokens, boolean[] marks) {
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t < tokens.size(); t++) {
            if (marks[t] && (t == 0 || !marks[t - 1])) {
                sb.append("<<");
            }
            sb.append(tokens.get(t));
            if (marks[t] && (t == tokens.size() - 1 || !marks[t + 1])) {
                sb.append(">>");
            }
        }
        return sb.toString();
    }

    private static int[] positions(boolean[] marks) {
        List<Integer> p = new ArrayList<>();
        for (int t = 0; t < marks.length; t++) {
            if (marks[t]) {
                p.add(t);
            }
        }
        return p.stream().mapToInt(Integer::intValue).toArray();
    }
}
