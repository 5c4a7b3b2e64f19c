package org.isaerft.explain;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;

/**
 * Stable references to a record's examples, recorded in {@link Explanation#examplesUsed()}:
 * {@code top:<i>} and {@code random:<i>} index the record's top and random lists,
 * {@code decile:<d>:<j>} is the j-th example of decile d in the decile list.
 */
public final class ExampleRefs {
    private ExampleRefs() {}

    public static Map<Example, String> of(LatentRecord r) {
        Map<Example, String> refs = new IdentityHashMap<>();
        for (int i = 0; i < r.topExamples().size(); i++) {
            refs.put(r.topExamples().get(i), "top:" + i);
        }
        Map<Integer, Integer> perDecile = new java.util.HashMap<>();
        for (Example e : r.decileExamples()) {
            int j = perDecile.merge(e.decile(), 1, Integer::sum) - 1;
            refs.put(e, "decile:" + e.decile() + ":" + j);
        }
        for (int i = 0; i < r.randomExamples().size(); i++) {
            refs.put(r.randomExamples().get(i), "random:" + i);
        }
        return refs;
    }

    public static List<String> refs(LatentRecord r, List<Example> examples) {
        Map<Example, String> all = of(r);
        List<String> out = new ArrayList<>();
        for (Example e : examples) {
            String ref = all.get(e);
            if (ref == null) {
                throw new IllegalArgumentException("example is not part of record " + r.id());
            }
            out.add(ref);
        }
        return out;
    }
}
