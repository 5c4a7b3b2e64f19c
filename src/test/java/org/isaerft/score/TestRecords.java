package org.isaerft.score;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Prompts;

/** Small hand-made records and explanations for scorer tests. */
final class TestRecords {
    private TestRecords() {}

    static final LatentStats STATS = new LatentStats(1000, 10, 0.01, 6.0, 2.0, new double[] {0, 6}, new long[] {10});

    /** The project's prompts directory (tests run from the module root). */
    static Prompts prompts() {
        return new Prompts(Path.of("prompts").toAbsolutePath());
    }

    static Example ex(String split, String kind, List<String> tokens, float... acts) {
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return new Example(ids, tokens, acts, 0, 0, split, kind, Example.KIND_DECILE.equals(kind) ? 5 : -1);
    }

    static Example top(List<String> tokens, float... acts) {
        return ex(Example.SPLIT_SCORE, Example.KIND_TOP, tokens, acts);
    }

    static Example random(List<String> tokens) {
        return ex(Example.SPLIT_SCORE, Example.KIND_RANDOM, tokens, new float[tokens.size()]);
    }

    /** Words split into tokens with a leading space (except the first). */
    static List<String> words(String text) {
        String[] w = text.split(" ");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            out.add(i == 0 ? w[i] : " " + w[i]);
        }
        return out;
    }

    /** An activating example: tokens containing {@code word} get activation 5, others 0. */
    static Example topAbout(String text, String word) {
        List<String> toks = words(text);
        float[] a = new float[toks.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = toks.get(i).contains(word) ? 5f : 0f;
        }
        return top(toks, a);
    }

    static LatentRecord record(LatentId id, List<Example> top, List<Example> random) {
        return LatentRecord.of(id, false, STATS, top, List.of(), random, null);
    }

    static Explanation explanation(LatentId id, String text) {
        return Explanation.of(id, text, "test-method", null, null, null, List.of(), null);
    }

    static LatentId id(int i) {
        return new LatentId("blocks.2.hook_resid_pre", i);
    }
}
