package org.isaerft.explain.adapter;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.isaerft.activations.LatentId;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Usage;

/**
 * What one FFNN adapter hidden unit does: its question (what it reads), its edit (what it writes)
 * and the sentence "when &lt;question&gt;, it &lt;edit&gt;". On disk with {@code type: "adapter_unit_explanation"}.
 *
 * @param latent   the unit's virtual latent id ({@code <adapter>/ffnn/<unit>})
 * @param contexts texts where the unit fires most (peak token marked {@code <<…>>}); empty without a record
 */
public record UnitExplanation(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String adapterId,
        int unit,
        LatentId latent,
        String question,
        String edit,
        String sentence,
        List<WeightedLatent> reads,
        List<WeightedLatent> writes,
        List<String> contexts,
        String method,
        String promptId,
        String promptVersion,
        String promptSha256,
        Usage usage,
        String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "adapter_unit_explanation";

    public UnitExplanation {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected " + TYPE + " v" + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
        }
        for (String[] f : new String[][] {{"question", question}, {"edit", edit}, {"sentence", sentence}}) {
            if (f[1] == null || f[1].isBlank()) {
                throw new IllegalArgumentException("unit " + unit + " of " + adapterId + ": empty " + f[0]);
            }
        }
        reads = List.copyOf(reads);
        writes = List.copyOf(writes);
        contexts = List.copyOf(contexts == null ? List.of() : contexts);
        usage = usage == null ? Usage.NONE : usage;
    }

    /** The unit as an ordinary explanation of its virtual latent (description = the sentence). */
    public Explanation toExplanation() {
        return new Explanation(Explanation.SCHEMA_VERSION, Explanation.TYPE, latent, sentence, method, promptId, promptVersion,
                promptSha256, List.of(), usage, createdAt);
    }
}
