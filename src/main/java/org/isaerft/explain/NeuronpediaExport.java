package org.isaerft.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explanations in the shape Neuronpedia uses for explanation exports and uploads: a JSON array of
 * objects with camelCase keys {@code modelId}, {@code layer} (the SAE's Neuronpedia source id, e.g.
 * {@code 6-res-jb}), {@code index} (a string), {@code description}, {@code explanationModelName},
 * {@code typeName} — the same fields as the lines of Neuronpedia's public
 * {@code v1/<model>/<sae>/explanations/batch-N.jsonl.gz} datasets. This file deliberately has no
 * {@code schema_version} and is not snake_case: it is Neuronpedia's format, not isaerft's.
 */
public final class NeuronpediaExport {
    private NeuronpediaExport() {}

    /** Neuronpedia's explanation type for a method. */
    public static String typeName(String method) {
        if (method.startsWith("llm:") && method.endsWith(":oai")) {
            return "oai_token-act-pair";
        }
        if (method.startsWith("llm:") && method.endsWith(":delphi")) {
            return "isaerft_delphi";
        }
        return "isaerft_" + method.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** The explainer model's name: the LLM model for LLM methods, else the method itself. */
    public static String explanationModelName(String method) {
        if (method.startsWith("llm:")) {
            String rest = method.substring(4);
            int slash = rest.indexOf('/');
            int colon = rest.lastIndexOf(':');
            return rest.substring(slash + 1, colon > slash ? colon : rest.length());
        }
        return method;
    }

    /**
     * @param modelId Neuronpedia model id (e.g. {@code gpt2-small})
     * @param layer   Neuronpedia SAE id; null = derived from each latent's source ('/' and '.' become '-')
     */
    public static List<Map<String, Object>> rows(List<Explanation> explanations, String modelId, String layer) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Explanation e : explanations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("modelId", modelId);
            m.put("layer", layer != null ? layer : e.latent().source().replaceAll("[/.]", "-"));
            m.put("index", Integer.toString(e.latent().index()));
            m.put("description", e.description());
            m.put("explanationModelName", explanationModelName(e.method()));
            m.put("typeName", typeName(e.method()));
            out.add(m);
        }
        return out;
    }
}
