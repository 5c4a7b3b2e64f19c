package org.isaerft.explain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Usage;
import org.isaerft.util.Json;

/**
 * Offline explainer (no LLM): the tokens, and the two-token contexts ending at them, most
 * over-represented at activating positions versus the background, by {@link LogOdds} z-score.
 * Foreground: tokens at positions with activation > 0 in the explain split's activating examples.
 * Background: every token of the explain split's non-activating examples plus the non-firing
 * positions of its activating examples. Contexts are (previous token, token) pairs counted the
 * same way. Description: {@code tokens "dog", " puppy"; contexts "the dog"}.
 */
public final class TokenStatsExplainer implements Explainer {
    public static final String METHOD = "token-stats";

    /**
     * @param maxTokens   tokens listed at most
     * @param maxContexts contexts listed at most
     * @param minCount    foreground occurrences an item needs
     * @param minZ        z-score an item needs (1.96: over-represented at the 5% level)
     * @param alpha       Dirichlet prior per item
     */
    public record Options(int maxTokens, int maxContexts, int minCount, double minZ, double alpha) {
        public static final Options DEFAULT = new Options(5, 3, 2, 1.96, 0.5);
    }

    private final Options options;

    public TokenStatsExplainer(Options options) {
        this.options = options;
    }

    public TokenStatsExplainer() {
        this(Options.DEFAULT);
    }

    @Override
    public String method() {
        return METHOD;
    }

    /** Item counts of one side. */
    record Counts(Map<String, Long> tokens, Map<String, Long> contexts) {
        Counts() {
            this(new HashMap<>(), new HashMap<>());
        }

        void add(List<String> toks, int i) {
            tokens.merge(toks.get(i), 1L, Long::sum);
            if (i > 0) {
                contexts.merge(toks.get(i - 1) + toks.get(i), 1L, Long::sum);
            }
        }
    }

    @Override
    public ExplainResult explain(LatentRecord record) {
        if (record.dead()) {
            return ExplainResult.Failure.of(record.id(), METHOD, ExplainResult.Reason.DEAD_LATENT, "latent never fired");
        }
        List<Example> activating = record.activating(Example.SPLIT_EXPLAIN);
        List<Example> background = record.nonActivating(Example.SPLIT_EXPLAIN);
        Counts fg = new Counts();
        Counts bg = new Counts();
        for (Example e : activating) {
            for (int i = 0; i < e.tokens().size(); i++) {
                (e.activations()[i] > 0 ? fg : bg).add(e.tokens(), i);
            }
        }
        for (Example e : background) {
            for (int i = 0; i < e.tokens().size(); i++) {
                bg.add(e.tokens(), i);
            }
        }
        if (fg.tokens().isEmpty()) {
            return ExplainResult.Failure.of(record.id(), METHOD, ExplainResult.Reason.NO_EXAMPLES,
                    "no firing token in the explain split's activating examples");
        }
        List<String> tokens = pick(LogOdds.score(fg.tokens(), bg.tokens(), options.alpha()), options.maxTokens());
        List<String> contexts = pick(LogOdds.score(fg.contexts(), bg.contexts(), options.alpha()), options.maxContexts());
        if (tokens.isEmpty() && contexts.isEmpty()) {
            return ExplainResult.Failure.of(record.id(), METHOD, ExplainResult.Reason.NO_SIGNAL,
                    "no token or context is over-represented at firing positions (z >= " + options.minZ() + ", count >= "
                            + options.minCount() + ")");
        }
        List<String> parts = new ArrayList<>();
        if (!tokens.isEmpty()) {
            parts.add("tokens " + quoted(tokens));
        }
        if (!contexts.isEmpty()) {
            parts.add("contexts " + quoted(contexts));
        }
        List<Example> used = new ArrayList<>(activating);
        used.addAll(background);
        return new ExplainResult.Success(Explanation.of(record.id(), String.join("; ", parts), METHOD, null, null, null,
                ExampleRefs.refs(record, used), Usage.NONE));
    }

    private List<String> pick(List<LogOdds.Scored> scored, int max) {
        List<String> out = new ArrayList<>();
        for (LogOdds.Scored s : scored) {
            if (out.size() >= max || s.z() < options.minZ()) {
                break;
            }
            if (s.foreground() >= options.minCount()) {
                out.add(s.item());
            }
        }
        return out;
    }

    /** Items as JSON strings (spaces kept visible, quotes and newlines escaped), comma-separated. */
    static String quoted(List<String> items) {
        return String.join(", ", items.stream().map(Json::line).toList());
    }
}
