package org.isaerft.activations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * The mining benchmark file ({@code isaerft mine --bench FILE}): one run's throughput against the bare forward pass, peak RSS and
 * live heap, under keys suffixed by the run's label, so runs of several sizes share one file.
 */
public final class MiningBench {
    private MiningBench() {}

    /**
     * Adds this run's numbers to {@code file} (other labels' keys are kept).
     *
     * @param label   suffix of this run's keys (e.g. 100k, 1m)
     * @param command the command line that ran, recorded beside the numbers
     */
    public static void write(Path file, String label, Miner.Result res, String command) {
        if (file == null || label == null || res == null) {
            throw new IllegalArgumentException("a mining benchmark needs a file, a label and a mining result (file " + file + ")");
        }
        ObjectNode root;
        try {
            root = Files.exists(file) ? (ObjectNode) Json.MAPPER.readTree(file.toFile()) : Json.MAPPER.createObjectNode();
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("--bench " + file + " exists but is not a JSON object: " + e.getMessage(), e);
        }
        root.put("schema_version", 1);
        root.put("type", "bench_mining");
        String l = "_" + label;
        root.put("tokens" + l, res.tokens());
        root.put("mining_tokens_per_s" + l, res.tokensPerSecond());
        root.put("forward_tokens_per_s" + l, res.forwardTokensPerSecond());
        root.put("ratio" + l, res.tokensPerSecond() / res.forwardTokensPerSecond());
        root.put("peak_rss_mb" + l, peakRssMb());
        root.put("live_heap_mb" + l, liveHeapMb());
        root.put("mining_tokens_per_s", res.tokensPerSecond());
        root.put("forward_tokens_per_s", res.forwardTokensPerSecond());
        root.put("command" + l, command);
        root.put("threads" + l, System.getProperty("ai.djl.pytorch.num_threads", "default"));
        root.put("max_heap_mb" + l, Runtime.getRuntime().maxMemory() >> 20);
        AtomicFiles.writeString(file, Json.write(root) + "\n");
    }

    /**
     * Java heap still in use after a full collection, in MB: what the run retains (the miner's
     * bounded per-latent state and the model), as opposed to RSS, which also counts heap the JVM
     * grew into and has not returned.
     */
    static double liveHeapMb() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /** Peak resident set size of this process (VmHWM), in MB; -1 where /proc is not available. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
