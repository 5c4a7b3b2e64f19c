package org.isaerft.activations;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code index.json} of a mined-latents directory: what was mined, how, and a one-line summary per
 * latent (dead latents included and also listed in {@code dead}).
 *
 * @param model          model spec as given
 * @param sae            SAE spec as given
 * @param corpus         corpus spec as given
 * @param tokens         tokens mined
 * @param sequences      model sequences mined
 * @param config         k, window, per-decile, random count, seed, score fraction
 * @param splitRule      how examples are assigned to explain/score
 * @param splitCounts    number of written examples per split (over all latents)
 * @param sources        mined sources and their state files (for merging)
 * @param shards         directories merged into this one (empty for a direct run)
 * @param tokensPerSecond throughput of the run (0 for a merge)
 */
public record MiningIndex(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String model,
        String sae,
        String corpus,
        long tokens,
        long sequences,
        MiningConfig config,
        String splitRule,
        SplitCounts splitCounts,
        List<Source> sources,
        List<Entry> latents,
        List<LatentId> dead,
        List<String> shards,
        double tokensPerSecond,
        String createdAt,
        java.util.Map<String, String> versions) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "mining_index";
    public static final String FILE = "index.json";

    public MiningIndex {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected a mining index (type " + TYPE + ", schema_version " + SCHEMA_VERSION
                    + "), found type " + type + ", schema_version " + schemaVersion);
        }
        sources = List.copyOf(sources == null ? List.of() : sources);
        latents = List.copyOf(latents == null ? List.of() : latents);
        dead = List.copyOf(dead == null ? List.of() : dead);
        shards = List.copyOf(shards == null ? List.of() : shards);
        versions = versions == null ? java.util.Map.of() : java.util.Map.copyOf(versions);
    }

    /** Examples written per split. */
    public record SplitCounts(long explain, long score) {}

    /**
     * @param stateFile  accumulator state (safetensors), relative to the directory
     * @param lensFile   logit lens per latent (JSON list, null entries where there is none), relative
     */
    public record Source(String source, int nLatents, String stateFile, String lensFile) {}

    /** One latent: record file name (relative), frequency, max and mean activation, dead flag. */
    public record Entry(LatentId id, String file, double frequency, double maxActivation, double meanActivation, boolean dead,
            int nExplain, int nScore) {}
}
