package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CPU run prints no GPU warnings: DJL's CUDA probe ("Failed to detect GPU count: CUDA driver version
 * is insufficient…", twice per run on a CPU machine with a cudart library) is silenced and the one
 * probe of {@code org.isaerft.util.Gpu} logs at debug. Runs the CLI in a fresh JVM, as
 * {@code scripts/isaerft} does, because the engine probes only once per process.
 */
class QuietRuntimeTest {
    @Test
    void cpuRunPrintsNoGpuWarnings(@TempDir Path tmp) throws Exception {
        Path err = tmp.resolve("stderr.txt");
        Path out = tmp.resolve("stdout.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Disaerft.home=" + Path.of("").toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "generate", "--model", Shared.path("models/stories260K").toString(), "--prompt", "Once upon a time",
                "--max-new-tokens", "3", "--temperature", "0", "--json");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("generate finished").isTrue();
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code; stderr:%n%s", stderr).isZero();
        // the command really ran the engine: llama2.c's greedy continuation of "Once upon a time"
        assertThat(stdout).contains("\"prompt_ids\":[1,403,407,261,378]");
        assertThat(stderr).doesNotContain("Failed to detect GPU count")
                .doesNotContainIgnoringCase("cuda")
                .doesNotContainIgnoringCase("gpu")
                .doesNotContain("WARN");
    }
}
