package org.isaerft.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The suite table's Benjamini–Hochberg q-values and control rows, against hand-computed values. */
class SuiteCorrectionTest {
    private static Map<String, Object> row(String task, Double p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task);
        m.put("sae_type", "local");
        m.put("component", "scale");
        m.put("method", "token-stats");
        m.put("auroc", 0.75);
        m.put("permutation_p", p);
        return m;
    }

    @Test
    void qValuesPerFamilyAndSignificantControlWarns() {
        // method rows p = 0.02, 0.01, 0.5 (m = 3): sorted 0.01, 0.02, 0.5 → 0.03, 0.03, 0.5 (running min from the top)
        // control rows p = 0.002, 0.3 (m = 2): q = 0.004, 0.3 → the first is a warning
        List<Map<String, Object>> rows = List.of(row("dogs", 0.02), row("sad", 0.01), row("beach", 0.5), row("control", 0.002),
                row("control", 0.3));
        List<Map<String, Object>> c = Suite.corrected(rows, List.of("control"));
        assertThat(c).extracting(m -> (Double) m.get("q_value")).containsExactly(0.03, 0.03, 0.5, 0.004, 0.3);
        assertThat(c).extracting(m -> m.get("is_control")).containsExactly(false, false, false, true, true);
        assertThat(c.get(3).get("control")).isEqualTo("control-card");
        List<String> w = Suite.warnings(c);
        assertThat(w).singleElement().asString().startsWith("control row control / local / scale / token-stats is significant")
                .contains("p = 0.002").contains("q = 0.004");
        String md = Suite.markdown("model `x`", c);
        assertThat(md).contains("**WARNING:** control row control").contains("Method rows with p < 0.05: 2 of 3; with q < 0.05: 2 of 3")
                .contains("| control (control) | local |");
    }

    @Test
    void retableRewritesAnOldSuiteJson(@TempDir Path tmp) throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema_version", 1);
        doc.put("type", "bench_suite");
        doc.put("model", "stories260K");
        doc.put("rows", new ArrayList<>(List.of(row("dogs", 0.04), row("control", 0.002))));
        Path f = tmp.resolve("suite.json");
        Json.writeFile(f, doc);
        Files.writeString(tmp.resolve("suite.md"), "# Benchmark suite\n\nmodel `stories260K`, seed 0, corpus tokens 20000\n\nOLD-TABLE\n");

        Suite.retable(f);

        JsonNode j = Json.MAPPER.readTree(f.toFile());
        assertThat(j.path("correction").asText()).contains("Benjamini-Hochberg");
        assertThat(j.path("rows").get(0).path("q_value").asDouble()).isEqualTo(0.04);
        assertThat(j.path("rows").get(1).path("is_control").asBoolean()).isTrue();
        assertThat(j.path("warnings")).hasSize(1);
        assertThat(Files.readString(tmp.resolve("suite.md"))).contains("model `stories260K`, seed 0, corpus tokens 20000")
                .contains("WARNING").doesNotContain("OLD-TABLE");
    }
}
