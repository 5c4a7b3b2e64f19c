package org.isaerft.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** The registry of architecture families, keyed by HF {@code model_type}. */
public final class ModelFamilies {
    private ModelFamilies() {}

    public static List<ModelFamily> all() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class).forEach(out::add);
        return out;
    }

    public static ModelFamily forType(String modelType) {
        TreeSet<String> known = new TreeSet<>();
        for (ModelFamily f : all()) {
            if (f.modelTypes().contains(modelType)) {
                return f;
            }
            known.addAll(f.modelTypes());
        }
        throw new IllegalArgumentException("unknown model_type '" + modelType + "' (supported: " + known + ")");
    }

    /** Loads a model directory: by its config.json's model_type, or a family that recognises the files. */
    public static LanguageModel load(Path dir, NDManager parent) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory not found: " + dir);
        }
        Path cfg = dir.resolve("config.json");
        if (Files.exists(cfg)) {
            JsonNode node;
            try {
                node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cfg.toFile());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(cfg + ": not valid JSON: " + e.getMessage(), e);
            }
            if (node == null || !node.hasNonNull("model_type")) {
                throw new IllegalArgumentException(cfg + ": no model_type field");
            }
            ModelFamily family;
            try {
                family = forType(node.get("model_type").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(cfg + ": field 'model_type': " + e.getMessage(), e);
            }
            return family.load(dir, parent);
        }
        for (ModelFamily f : all()) {
            if (f.recognises(dir)) {
                return f.load(dir, parent);
            }
        }
        throw new IllegalArgumentException(dir + ": no config.json and no recognised checkpoint (llama2.c .bin + tok*.bin)");
    }
}
