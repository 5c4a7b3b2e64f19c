package org.isaerft.cli;

import java.nio.file.Path;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import picocli.CommandLine.Option;

/** {@code --cache DIR} of the commands that ask an LLM, and the cached client it configures. */
final class LlmCacheOption {
    @Option(names = "--cache", paramLabel = "DIR", description = "LLM response cache directory (default: OUT/llm_cache)")
    Path cache;

    /** A client builder for {@code cfg} caching answers in --cache, or {@code out/llm_cache} without it. */
    LlmClient.Builder client(LlmConfig cfg, Path out) {
        return LlmClient.builder(ChatModels.create(cfg), cfg).cacheDir(cache != null ? cache : out.resolve("llm_cache"));
    }
}
