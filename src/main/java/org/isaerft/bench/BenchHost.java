package org.isaerft.bench;

import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.isaerft.util.Versions;

/** The machine a benchmark runs on: engine threads, load average, engine versions; shared by every benchmark's JSON output. */
public final class BenchHost {
    /** {@code schema_version} of the benchmarks' JSON outputs. */
    public static final int SCHEMA_VERSION = 1;

    private BenchHost() {}

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg (else the JVM's 1-minute figure; empty where unavailable). */
    public static List<Double> loadAverage() {
        List<Double> out = new ArrayList<>();
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            for (int i = 0; i < 3; i++) {
                out.add(Double.parseDouble(f[i]));
            }
        } catch (IOException | RuntimeException e) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (one >= 0) {
                out.add(one);
            }
        }
        return out;
    }

    /** Sets the engine's intra-op threads (as torch.set_num_threads) and returns the count in effect. */
    public static int setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be ≥ 1, found " + threads);
        }
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library before any JNI call
        JniUtils.setNumThreads(threads);
        return JniUtils.getNumThreads();
    }

    /** Adds {@code engine}, {@code load_average_at_start} and {@code command} to a benchmark's output. */
    public static void finish(Map<String, Object> out, List<Double> loadAtStart, String command) {
        out.put("engine", "DJL " + Versions.all().get("djl") + ", PyTorch " + Versions.all().get("pytorch") + " (libtorch)");
        out.put("load_average_at_start", loadAtStart);
        out.put("command", command);
    }
}
