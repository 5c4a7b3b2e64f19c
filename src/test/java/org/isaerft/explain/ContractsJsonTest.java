package org.isaerft.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.Usage;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;

/** LatentRecord, Explanation and failures survive Json.MAPPER with snake_case keys (what Python readers see). */
class ContractsJsonTest {
    @Test
    void latentRecordRoundTrips() throws Exception {
        LatentRecord r = Records.dog(12);
        String json = Json.write(r);
        JsonNode n = Json.MAPPER.readTree(json);
        assertThat(n.get("schema_version").asInt()).isEqualTo(1);
        assertThat(n.get("type").asText()).isEqualTo("latent_record");
        assertThat(n.get("id").asText()).isEqualTo("blocks.6.hook_resid_pre/12");
        assertThat(n.has("top_examples")).isTrue();
        assertThat(n.get("top_examples").get(0).has("token_ids")).isTrue();
        assertThat(n.get("stats").has("histogram_edges")).isTrue();
        assertThat(n.get("logit_lens").get("top").get(0).get("token_id").asInt()).isEqualTo(3290);

        LatentRecord back = Json.MAPPER.readValue(json, LatentRecord.class);
        assertThat(back.id()).isEqualTo(r.id());
        assertThat(back.topExamples()).hasSize(r.topExamples().size());
        for (int i = 0; i < r.topExamples().size(); i++) {
            Example a = r.topExamples().get(i);
            Example b = back.topExamples().get(i);
            assertThat(b.tokens()).isEqualTo(a.tokens());
            assertThat(b.activations()).containsExactly(a.activations());
            assertThat(b.tokenIds()).containsExactly(a.tokenIds());
            assertThat(b.split()).isEqualTo(a.split());
        }
        assertThat(back.logitLens()).isEqualTo(r.logitLens());
        assertThat(back.stats().histogramCounts()).containsExactly(r.stats().histogramCounts());
        assertThat(Json.write(back)).isEqualTo(json);
    }

    @Test
    void explanationAndFailureRoundTrip() throws Exception {
        Explanation e = Explanation.of(Records.dog(1).id(), "dogs", "token-stats", null, null, null, List.of("top:0"),
                new Usage(10, 2, 0.5));
        String line = Json.line(e);
        assertThat(line).contains("\"latent\":\"blocks.6.hook_resid_pre/1\"", "\"examples_used\":[\"top:0\"]", "\"cost_usd\":0.5",
                "\"created_at\":");
        assertThat(Json.MAPPER.readValue(line, Explanation.class)).isEqualTo(e);

        ExplainResult.Failure f = ExplainResult.Failure.of(e.latent(), "llm:openai/m:oai", ExplainResult.Reason.UNPARSEABLE, "bad", 3,
                List.of("a", "b", "c"), Usage.NONE);
        assertThat(Json.MAPPER.readValue(Json.line(f), ExplainResult.Failure.class)).isEqualTo(f);
        assertThat(Json.line(f)).contains("\"type\":\"explain_failure\"", "\"reason\":\"UNPARSEABLE\"");
    }
}
