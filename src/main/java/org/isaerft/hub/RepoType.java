package org.isaerft.hub;

/** The kind of Hugging Face hub repository; decides URL prefix and cache folder name. */
public enum RepoType {
    MODEL("", "models"),
    DATASET("datasets/", "datasets");

    private final String urlPrefix;
    private final String cachePrefix;

    RepoType(String urlPrefix, String cachePrefix) {
        this.urlPrefix = urlPrefix;
        this.cachePrefix = cachePrefix;
    }

    /** Path segment before the repo id in resolve URLs ("" for models, "datasets/" for datasets). */
    public String urlPrefix() {
        return urlPrefix;
    }

    /** Folder name prefix in the cache, as huggingface_hub spells it: {@code models--org--name}. */
    public String cacheFolder(String repoId) {
        return cachePrefix + "--" + repoId.replace("/", "--");
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static RepoType parse(String s) {
        if (s == null || s.isBlank() || s.equalsIgnoreCase("model")) {
            return MODEL;
        }
        if (s.equalsIgnoreCase("dataset")) {
            return DATASET;
        }
        throw new IllegalArgumentException("unknown repo type '" + s + "' (expected model or dataset)");
    }
}
