package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.activations.LatentStats;
import org.isaerft.explain.Explanation;
import org.isaerft.score.Score;
import org.isaerft.score.ScoreSummary;
import org.isaerft.testing.Wire;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
    private static Example ex(String text, boolean activating) {
        String[] w = text.split(" ");
        List<String> toks = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            toks.add(i == 0 ? w[i] : " " + w[i]);
        }
        float[] a = new float[toks.size()];
        if (activating) {
            a[1] = 3f;
        }
        return new Example(new int[toks.size()], toks, a, 0, 0, Example.SPLIT_SCORE,
                activating ? Example.KIND_TOP : Example.KIND_RANDOM, -1);
    }

    private static LatentRecord record(LatentId id, List<String> on, List<String> off) {
        return LatentRecord.of(id, false, new LatentStats(100, 5, 0.05, 3, 3, new double[] {0, 3}, new long[] {5}),
                on.stream().map(t -> ex(t, true)).toList(), List.of(), off.stream().map(t -> ex(t, false)).toList(), null);
    }

    static final LatentId DOGS = new LatentId("blocks.6.hook_resid_pre", 11);
    static final LatentId MONEY = new LatentId("blocks.6.hook_resid_pre", 12);

    /** Records of DOGS and MONEY in dir/latents: each one's top examples are the other's negatives. */
    private static Path records(Path dir) throws java.io.IOException {
        List<String> dogTexts = List.of("my puppy chewed the sofa", "the dog barked at the mailman", "we adopted two puppies today");
        List<String> moneyTexts = List.of("the bank raised interest rates", "new rules for financial markets", "tax law passed on friday");
        Path recs = Files.createDirectories(dir.resolve("latents"));
        Json.writeFile(recs.resolve(DOGS.fileSafe() + ".json"), record(DOGS, dogTexts, moneyTexts));
        Json.writeFile(recs.resolve(MONEY.fileSafe() + ".json"), record(MONEY, moneyTexts, dogTexts));
        return recs;
    }

    @Test
    void embeddingScoreEndToEndWritesScoresAndSummary(@TempDir Path dir) throws Exception {
        Path recs = records(dir);
        Json.writeFile(recs.resolve("index.json"), java.util.Map.of("schema_version", 1, "type", "latent_index"));
        Path expl = dir.resolve("explanations.jsonl");
        Files.writeString(expl, Json.line(Explanation.of(DOGS, "mentions of dogs and puppies", "human", null, null, null, List.of(), null))
                + "\n" + Json.line(Explanation.of(MONEY, "finance, banking and taxes", "human", null, null, null, List.of(), null)) + "\n");

        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int rc = cl.execute("score", "--records", recs.toString(), "--explanations", expl.toString(), "--scorer", "embedding",
                "--seed", "5", "--out", dir.resolve("out").toString());
        assertThat(rc).as(err.toString()).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("out/scores.jsonl"));
        assertThat(lines).hasSize(4);
        Score first = Json.MAPPER.readValue(lines.get(0), Score.class);
        assertThat(first.scorer()).isEqualTo("embedding");
        ScoreSummary s = Json.readFile(dir.resolve("out/summary.json"), ScoreSummary.class);
        assertThat(s.explanations().nDefined()).isEqualTo(2);
        assertThat(s.explanations().mean()).isGreaterThan(0.8);
        assertThat(s.shuffled().mean()).isLessThan(0.5); // the swapped explanation describes the negatives
        assertThat(s.seed()).isEqualTo(5);

        // an LLM scorer without an LLM is a clear error
        int rc2 = cl.execute("score", "--records", recs.toString(), "--explanations", expl.toString(), "--scorer", "detection",
                "--out", dir.resolve("out2").toString());
        assertThat(rc2).isEqualTo(1);
        assertThat(err.toString()).contains("needs an LLM");
    }

    @Test
    void detectionThroughTheLlmLayerAgainstAMockServer(@TempDir Path dir) throws Exception {
        Path recs = records(dir);
        Path expl = dir.resolve("explanations.jsonl");
        Files.writeString(expl, Json.line(Explanation.of(DOGS, "dogs and puppies", "human", null, null, null, List.of(), null))
                + "\n" + Json.line(Explanation.of(MONEY, "banks, financial rules and taxes", "human", null, null, null, List.of(), null)) + "\n");
        // a judge server: answers 1 for an example containing the first 3 letters of a (4+ letter) word of the explanation
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (mockwebserver3.MockWebServer server = new mockwebserver3.MockWebServer()) {
            server.setDispatcher(new mockwebserver3.Dispatcher() {
                @Override
                public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                    calls.incrementAndGet();
                    try {
                        var body = Json.MAPPER.readTree(request.getBody().utf8());
                        var msgs = body.get("messages");
                        String user = msgs.get(msgs.size() - 1).get("content").asText();
                        String explanation = user.substring(user.indexOf("Feature explanation: ") + 21, user.indexOf('\n'));
                        List<String> answers = new ArrayList<>();
                        for (String line : user.split("\n")) {
                            if (line.startsWith("Example ")) {
                                boolean hit = false;
                                for (String w : explanation.split(" ")) {
                                    hit |= w.length() > 3 && line.contains(w.substring(0, 3));
                                }
                                answers.add(hit ? "1" : "0");
                            }
                        }
                        String content = "[" + String.join(", ", answers) + "]";
                        return Wire.openAiAnswer(content, 120, 9);
                    } catch (Exception e) {
                        return new mockwebserver3.MockResponse.Builder().code(500).body(e.toString()).build();
                    }
                }
            });
            server.start();
            Path cfg = dir.resolve("llm.yaml");
            Files.writeString(cfg, "schema_version: 1\nprovider: openai\nmodel: judge\nbase_url: " + server.url("/v1")
                    + "\nmax_retries: 0\nconcurrency: 2\nprice_input_per_1m: 1.0\nprice_output_per_1m: 2.0\n");
            StringWriter err = new StringWriter();
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            cl.setOut(new PrintWriter(new StringWriter()));
            String[] args = {"score", "--records", recs.toString(), "--explanations", expl.toString(), "--scorer", "detection",
                "--llm-config", cfg.toString(), "--out", dir.resolve("out").toString()};
            assertThat(cl.execute(args)).as(err.toString()).isZero();
            ScoreSummary s = Json.readFile(dir.resolve("out/summary.json"), ScoreSummary.class);
            assertThat(s.explanations().mean()).isEqualTo(1.0);
            assertThat(s.shuffled().mean()).isEqualTo(0.0); // the swapped explanation names exactly the negatives
            assertThat(s.prompts()).singleElement().satisfies(p -> assertThat(p.id()).isEqualTo("score/detection"));
            // 2 latents x (own + shuffled) x 2 batches (6 items -> 5 + 1)
            assertThat(calls.get()).isEqualTo(8);
            assertThat(s.usage().inputTokens()).isEqualTo(8 * 120);
            var llmSummary = Json.MAPPER.readTree(dir.resolve("out/llm_summary.json").toFile());
            assertThat(llmSummary.get("requests").asLong()).isEqualTo(8);

            // a rerun into a fresh output dir with the same cache asks the server nothing
            String[] again = {"score", "--records", recs.toString(), "--explanations", expl.toString(), "--scorer", "detection",
                "--llm-config", cfg.toString(), "--llm-cache", dir.resolve("out/llm_cache").toString(), "--out",
                dir.resolve("out-again").toString()};
            assertThat(cl.execute(again)).as(err.toString()).isZero();
            assertThat(calls.get()).isEqualTo(8);
            assertThat(Json.readFile(dir.resolve("out-again/summary.json"), ScoreSummary.class).explanations().mean()).isEqualTo(1.0);
        }
    }
}
