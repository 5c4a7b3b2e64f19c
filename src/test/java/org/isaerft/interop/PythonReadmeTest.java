package org.isaerft.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Cli;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "read the results from Python" block, run verbatim with the system {@code python3} (standard library
 * only) on a fresh run folder made by {@code isaerft run} with the tiny test config (same layout as the demo). Its
 * output is checked against what Java reads from the same files. No python3 on PATH is a failure, not a skip
 * ({@code .ci/run} installs it from Debian).
 */
class PythonReadmeTest {
    static final String START = "<!-- python-read:start -->";
    static final String END = "<!-- python-read:end -->";

    static String readmeBlock() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int a = readme.indexOf(START);
        int b = readme.indexOf(END);
        assertThat(a).as("README.md has the python-read block markers").isGreaterThanOrEqualTo(0);
        assertThat(b).isGreaterThan(a);
        String block = readme.substring(a + START.length(), b);
        int code = block.indexOf("```python\n");
        int close = block.lastIndexOf("```");
        assertThat(code).as("a ```python fence inside the markers").isGreaterThanOrEqualTo(0);
        return block.substring(code + "```python\n".length(), close);
    }

    static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail("python3 is not on PATH: the README's Python block cannot be checked (.ci/run installs python3 from Debian; "
                + "install it with apt-get install python3)");
    }

    @Test
    void readmePythonBlockReadsARunFolder(@TempDir Path tmp) throws Exception {
        String python = python3();
        Path script = tmp.resolve("read.py");
        Files.writeString(script, readmeBlock());
        Path run = tmp.resolve("run");
        Cli.Run r = Cli.run("run", Path.of("src/test/resources/run/tiny.yaml").toString(), "--out", run.toString());
        assertThat(r.code()).as("tiny run; stderr:%n%s", r.err()).isZero();

        Process p = new ProcessBuilder(python, "-I", script.toString(), run.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("python3 finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("python3 exit code; output:%n%s", out).isZero();

        // what Java reads from the same files
        JsonNode summary = Json.MAPPER.readTree(run.resolve("summary.json").toFile());
        String firstHeadline = summary.path("headlines").get(0).path("name").asText();
        assertThat(out).contains("headline " + firstHeadline + " ");
        JsonNode index = Json.MAPPER.readTree(run.resolve("mine/local/index.json").toFile());
        assertThat(out).containsPattern("record blocks\\.2\\.hook_resid_pre/\\d+ " + index.path("model").asText() + " "
                + index.path("tokens").asLong() + " ");
        String firstExplanation = Files.readAllLines(run.resolve("explain/local/logit-lens/explanations.jsonl")).get(0);
        JsonNode e = Json.MAPPER.readTree(firstExplanation);
        assertThat(out).contains("explanation " + e.path("latent").asText() + " logit-lens " + e.path("description").asText());
        Path st;
        try (Stream<Path> s = Files.walk(run.resolve("adapters"))) {
            st = s.filter(x -> x.getFileName().toString().equals("adapter.safetensors")).sorted().findFirst().orElseThrow();
        }
        SafeTensors.File f = SafeTensors.read(st);
        String name = f.tensors().keySet().iterator().next();
        java.nio.ByteBuffer data = f.get(name).data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        double sum = 0;
        long n = f.get(name).numel();
        for (int i = 0; i < n; i++) {
            sum += data.getFloat(i * 4);
        }
        List<String> tensorLines = out.lines().filter(l -> l.startsWith("tensor " + name + " ")).toList();
        assertThat(tensorLines).as("python output:%n%s", out).hasSize(1);
        String[] parts = tensorLines.get(0).split(" ");
        // tensor NAME [d] N SUM COMPONENT
        assertThat(Long.parseLong(parts[parts.length - 3])).isEqualTo(n);
        assertThat(Double.parseDouble(parts[parts.length - 2])).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-5 + Math.abs(sum) * 1e-6));
        assertThat(parts[parts.length - 1]).isEqualTo(f.metadata().get("component").toLowerCase(Locale.ROOT));
    }
}
