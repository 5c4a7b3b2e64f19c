package org.isaerft.sae;

import java.nio.file.Path;

/**
 * Fetches one file of a hub repository at a revision and returns its local path (files of one
 * folder must land in one local folder, as in a Hugging Face snapshot). The hub client provides
 * the real implementation; tests pass a fake.
 */
@FunctionalInterface
public interface SaeFetcher {
    Path fetch(String repoId, String revision, String path);
}
