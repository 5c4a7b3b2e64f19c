package org.isaerft.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LogitLens;
import org.isaerft.llm.Usage;

/**
 * Offline, output-centric explainer (no LLM): the tokens the latent's decoder direction promotes
 * and suppresses through the unembedding (the record's {@link LogitLens}). Description:
 * {@code promotes " dog", " dogs"; suppresses " cat"}. Works for dead latents too (the decoder
 * direction exists); fails for records without a logit lens.
 */
public final class LogitLensExplainer implements Explainer {
    public static final String METHOD = "logit-lens";
    private final int k;

    public LogitLensExplainer(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("logit-lens explainer: k must be >= 1, found " + k);
        }
        this.k = k;
    }

    public LogitLensExplainer() {
        this(5);
    }

    @Override
    public String method() {
        return METHOD;
    }

    @Override
    public ExplainResult explain(LatentRecord record) {
        LogitLens lens = record.logitLens();
        if (lens == null || (lens.top().isEmpty() && lens.bottom().isEmpty())) {
            return ExplainResult.Failure.of(record.id(), METHOD, ExplainResult.Reason.NO_LOGIT_LENS,
                    "record has no logit lens (no decoder direction)");
        }
        List<LogitLens.TokenValue> top = new ArrayList<>(lens.top());
        top.sort(Comparator.comparingDouble(LogitLens.TokenValue::value).reversed());
        List<LogitLens.TokenValue> bottom = new ArrayList<>(lens.bottom());
        bottom.sort(Comparator.comparingDouble(LogitLens.TokenValue::value));
        List<String> parts = new ArrayList<>();
        List<String> up = top.stream().limit(k).map(LogitLens.TokenValue::token).toList();
        List<String> down = bottom.stream().limit(k).map(LogitLens.TokenValue::token).toList();
        if (!up.isEmpty()) {
            parts.add("promotes " + TokenStatsExplainer.quoted(up));
        }
        if (!down.isEmpty()) {
            parts.add("suppresses " + TokenStatsExplainer.quoted(down));
        }
        return new ExplainResult.Success(Explanation.of(record.id(), String.join("; ", parts), METHOD, null, null, null, List.of(),
                Usage.NONE));
    }
}
