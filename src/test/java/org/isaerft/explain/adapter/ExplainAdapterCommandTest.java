package org.isaerft.explain.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.cli.Main;
import org.isaerft.explain.Explanation;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code isaerft explain-adapter} on adapter.safetensors files in the adapter stream's layout. */
class ExplainAdapterCommandTest {
    @TempDir
    Path tmp;

    Path descriptions() {
        Map<String, String> d = new LinkedHashMap<>();
        AdapterExplainerTest.DESC.forEach((k, v) -> d.put(k.toString(), v));
        Path p = tmp.resolve("latent_descriptions.json");
        Json.writeFile(p, d);
        return p;
    }

    int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void ffnnAdapterFolder() throws Exception {
        Path dir = tmp.resolve("orpo-1");
        FfnnWeights w = AdapterExplainerTest.ffnn();
        float[] w1 = new float[2 * 5];
        float[] w2 = new float[5 * 2];
        for (int u = 0; u < 2; u++) {
            for (int i = 0; i < 5; i++) {
                w1[u * 5 + i] = w.w1()[u][i];
                w2[i * 2 + u] = w.w2()[i][u];
            }
        }
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("adapter.safetensors"), Map.of("W1", HostTensor.f32(new long[] {2, 5}, w1), "b1",
                HostTensor.f32(new long[] {2}, new float[2]), "W2", HostTensor.f32(new long[] {5, 2}, w2), "b2",
                HostTensor.f32(new long[] {5}, new float[5])), Map.of());
        Path records = tmp.resolve("unit-records");
        Files.createDirectories(records);
        Json.writeFile(records.resolve("orpo-1__ffnn__0.json"), AdapterExplainerTest.unitRecord());
        Path out = tmp.resolve("out");
        StringWriter err = new StringWriter();

        int code = run(err, "explain-adapter", "--adapter", dir.toString(), "--descriptions", descriptions().toString(), "--unit-records",
                records.toString(), "--top-k", "3", "--out", out.toString());

        assertThat(code).as(err.toString()).isZero();
        Map<String, String> units = Json.MAPPER.readValue(out.resolve("unit_descriptions.json").toFile(),
                new TypeReference<Map<String, String>>() {});
        // the weights read back from the file give the same sentence as the in-memory weights
        UnitExplanation inMemory = ((AdapterExplainResult.Success<UnitExplanation>) AdapterExplainer.offline(3).explainUnit(w, 0)).value();
        assertThat(units).containsExactly(Map.entry("orpo-1/ffnn/0", inMemory.sentence()));
        assertThat(inMemory.sentence()).startsWith("when \"questions asked by a user\" or ");
        JsonNode unit0 = Json.MAPPER.readTree(Files.readAllLines(out.resolve("adapter_explanations.jsonl")).get(0));
        assertThat(unit0.get("contexts").get(0).asText()).isEqualTo("How do I<< pick>>"); // from the unit's record
        assertThat(unit0.get("reads").get(0).get("latent").asText()).isEqualTo("blocks.6.hook_resid_pre/0");
        List<String> failures = Files.readAllLines(out.resolve("failures.jsonl"));
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).contains("\"schema_version\":1", "\"unit\":1", "\"reason\":\"NO_SIGNAL\"");
        Explanation e = Json.MAPPER.readValue(Files.readAllLines(out.resolve("explanations.jsonl")).get(0), Explanation.class);
        assertThat(e.latent().toString()).isEqualTo("orpo-1/ffnn/0");
        assertThat(e.method()).isEqualTo("adapter-offline");
        JsonNode summary = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("kind").asText()).isEqualTo("ffnn");
        assertThat(summary.get("unit_records").asInt()).isEqualTo(1);
    }

    @Test
    void scaleAdapterFileAndBadFiles() throws Exception {
        Path file = tmp.resolve("orpo-scale/adapter.safetensors");
        Files.createDirectories(file.getParent());
        SafeTensors.write(file, Map.of("s", HostTensor.f32(new long[] {5}, new float[] {0.5f, -0.2f, 0f, 0.8f, -0.9f})), Map.of());
        Path out = tmp.resolve("out");
        StringWriter err = new StringWriter();
        int code = run(err, "explain-adapter", "--adapter", file.toString(), "--descriptions", descriptions().toString(), "--top-k", "2",
                "--out", out.toString());
        assertThat(code).as(err.toString()).isZero();
        JsonNode change = Json.MAPPER.readTree(out.resolve("change_explanation.json").toFile());
        assertThat(change.get("adapter_id").asText()).isEqualTo("orpo-scale");
        assertThat(change.get("kind").asText()).isEqualTo("scale");
        assertThat(change.get("summary").asText()).isEqualTo(((AdapterExplainResult.Success<AdapterChangeExplanation>) AdapterExplainer
                .offline(2).explainChange(AdapterExplainerTest.scale())).value().summary());

        Path bad = tmp.resolve("bad.safetensors");
        SafeTensors.write(bad, Map.of("weird", HostTensor.f32(new long[] {2}, new float[2])), Map.of());
        code = run(err, "explain-adapter", "--adapter", bad.toString(), "--descriptions", descriptions().toString(), "--out",
                tmp.resolve("o2").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("no adapter tensors found", "[weird]");
    }
}
