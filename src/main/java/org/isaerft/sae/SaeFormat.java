package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;

/**
 * One on-disk SAE format, registered under a name in
 * {@code META-INF/services/org.isaerft.sae.SaeFormat} and found by {@link SaeFormats}.
 */
public interface SaeFormat {
    /** Registry key, e.g. {@code apollo_e2e}, {@code saelens}, {@code sparsify}. */
    String name();

    /** True if {@code path} (a directory, or a file where the format allows) holds this format's files. */
    boolean recognises(Path path);

    /** What {@link #recognises} looks for, for error messages ("cfg.json + sae.safetensors"). */
    String expectedFiles();

    /** Loads the SAE at {@code path}; with several SAEs there, {@code options.hookPoint()} picks one. */
    Sae load(Path path, SaeLoadOptions options, NDManager parent);

    /** Loads every SAE at {@code path} (one per hook point for multi-position checkpoints). */
    default List<Sae> loadAll(Path path, SaeLoadOptions options, NDManager parent) {
        return List.of(load(path, options, parent));
    }

    /**
     * Files to fetch from a hub repository for a pretrained entry whose {@code path} is given
     * (relative to the repository root), in the order they should be fetched.
     */
    List<String> remoteFiles(String path);
}
