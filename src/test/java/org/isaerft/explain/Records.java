package org.isaerft.explain;

import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.activations.LogitLens;

/** Small hand-made latent records for explainer tests. */
final class Records {
    private Records() {}

    static Example ex(List<String> tokens, double[] acts, String split, String kind, int decile) {
        int[] ids = new int[tokens.size()];
        float[] a = new float[acts.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 100 + i;
            a[i] = (float) acts[i];
        }
        return new Example(ids, tokens, a, 7, 0, split, kind, decile);
    }

    static Example top(List<String> tokens, double... acts) {
        return ex(tokens, acts, Example.SPLIT_EXPLAIN, Example.KIND_TOP, -1);
    }

    static Example random(List<String> tokens) {
        return ex(tokens, new double[tokens.size()], Example.SPLIT_EXPLAIN, Example.KIND_RANDOM, -1);
    }

    static LatentStats stats(double max) {
        return new LatentStats(10_000, 120, 0.012, max, max / 2, new double[] {0, max / 2, max}, new long[] {80, 40});
    }

    /** A latent that fires on " dog" (and " bark", " puppy"), with held-out score examples that must never be shown. */
    static LatentRecord dog(int index) {
        List<Example> tops = new ArrayList<>(List.of(
                top(List.of("I", " saw", " the", " dog", " bark"), 0, 0, 0, 9, 3),
                top(List.of("Then", " the", " dog", " ran"), 0, 0, 8, 0),
                top(List.of("Look", ",", " the", " dog", "!"), 0, 0, 0, 7, 0),
                top(List.of("A", " puppy", " and", " the", " dog"), 0, 6, 0, 0, 5),
                top(List.of("The", " dog", " bark", "ed"), 0, 9, 4, 0),
                top(List.of("Her", " puppy", " slept"), 0, 5, 0)));
        tops.add(ex(List.of("HELDOUT", " wolf"), new double[] {0, 9.5}, Example.SPLIT_SCORE, Example.KIND_TOP, -1));
        List<Example> random = List.of(
                random(List.of("The", " cat", " sat", " on", " the", " mat", ".")),
                random(List.of("I", " saw", " the", " bird", " fly", ".")),
                random(List.of("Then", " the", " rain", " came", ".")),
                ex(List.of("HELDOUT", " random"), new double[] {0, 0}, Example.SPLIT_SCORE, Example.KIND_RANDOM, -1));
        LogitLens lens = new LogitLens(
                List.of(new LogitLens.TokenValue(3290, " dogs", 2.5), new LogitLens.TokenValue(3887, " dog", 3.1),
                        new LogitLens.TokenValue(26781, " puppies", 1.2)),
                List.of(new LogitLens.TokenValue(3797, " cat", -1.5), new LogitLens.TokenValue(11875, " cats", -2.0)));
        return LatentRecord.of(new LatentId("blocks.6.hook_resid_pre", index), false, stats(9.5), tops, List.of(), random, lens);
    }

    /** A sparse latent: one firing token per 10-token example (for the OpenAI zero-filtered repeat). */
    static LatentRecord sparse(int index) {
        List<String> t1 = List.of("In", " 1999", " the", " band", " released", " an", " album", " called", " Echo", ".");
        List<String> t2 = List.of("She", " was", " born", " in", " 1987", " and", " moved", " to", " Paris", ".");
        List<Example> tops = List.of(top(t1, 0, 4.0, 0, 0, 0, 0, 0, 0, 0, 0), top(t2, 0, 0, 0, 0.2, 3.0, 0, 0, 0, 0, 0));
        List<Example> deciles = List.of(ex(List.of("Around", " 1850", ",", " settlers", "\tcame\n"), new double[] {0, 1.5, 0, 0, 0},
                Example.SPLIT_EXPLAIN, Example.KIND_DECILE, 3));
        return LatentRecord.of(new LatentId("blocks.6.hook_resid_pre", index), false, stats(4.0), tops, deciles, List.of(), null);
    }

    static LatentRecord dead(int index) {
        return LatentRecord.of(new LatentId("blocks.6.hook_resid_pre", index), true, new LatentStats(10_000, 0, 0, 0, 0,
                new double[0], new long[0]), List.of(), List.of(), List.of(), null);
    }
}
