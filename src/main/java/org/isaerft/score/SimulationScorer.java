package org.isaerft.score;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Message;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Usage;
import org.isaerft.util.Json;

/**
 * Simulation scoring (Bills et al. 2023, "all at once"): a simulator LLM sees only the explanation
 * and an example's tokens and predicts each token's activation on a 0–10 scale. Where the
 * provider returns top log-probabilities, the prediction at each token is the expected value
 * Σ v·p(v) over the answers "0".."10"; where it does not, the simulator answers a structured
 * JSON list of integers (schema {@link #SCHEMA}). The score is the Pearson correlation between predictions and true
 * activations pooled over all tokens of the held-out top and random examples (not averaged per
 * example; that mean is reported as the metric {@code pearson_mean_per_example} for comparison).
 */
public final class SimulationScorer implements Scorer {
    public static final String NAME = "simulation";
    public static final String PROMPT_LOGPROBS = "score/simulation";
    public static final String PROMPT_JSON = "score/simulation-json";
        static final int MAX_VALUE = 10;
    private static final Pattern LINE = Pattern.compile("(?m)^[ \\t]*(\\d+)(?:[ \\t]*[:=,][ \\t]*|[ \\t]+)(\\d+)[ \\t]*\\r?$");

    /** How predictions are read. */
    public enum Mode {
        /** log-probabilities, switching to JSON answers for good once the provider returns none */
        AUTO,
        /** log-probabilities only (a reply without them uses the answered integers) */
        LOGPROBS,
        /** structured JSON answers only */
        JSON
    }

    private final ScoringLlm llm;
    private final Prompt linePrompt;
    private final Prompt jsonPrompt;
    private final Mode mode;
    private volatile boolean logprobsUnavailable;

    public SimulationScorer(ScoringLlm llm, Prompts prompts, Mode mode) {
        this.llm = llm;
        this.linePrompt = prompts.load(PROMPT_LOGPROBS);
        this.jsonPrompt = prompts.load(PROMPT_JSON);
        this.mode = mode;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String model() {
        return llm.name();
    }

    @Override
    public List<Score.PromptRef> prompts() {
        return List.of(Score.PromptRef.of(linePrompt), Score.PromptRef.of(jsonPrompt));
    }

    @Override
    public String valueMetric() {
        return "pearson_pooled";
    }

    @Override
    public List<ScoreSummary.ChanceLevel> chanceLevels(List<LatentRecord> records) {
        // a constant prediction has no correlation (undefined); unrelated predictions give 0 in expectation
        return List.of(new ScoreSummary.ChanceLevel("pearson_pooled", "predictions unrelated to the activations", 0.0));
    }

    @Override
    public Score score(LatentRecord record, Explanation explanation) {
        Score.ExplanationRef ref = Score.ExplanationRef.of(explanation);
        List<HeldOut> examples = HeldOut.of(record, true, false, true).stream()
                .filter(h -> h.example().tokens().size() > 0).toList();
        boolean json = mode == Mode.JSON || (mode == Mode.AUTO && (logprobsUnavailable || !llm.returnsLogprobs()));
        Prompt used = json ? jsonPrompt : linePrompt;
        if (examples.isEmpty()) {
            return Score.undefined(record.id(), ref, NAME, new Score.Undefined(Score.Reason.NO_EXAMPLES,
                    "no held-out top or random examples"), null, null, Score.PromptRef.of(used), null);
        }
        Usage usage = Usage.NONE;
        List<Score.ExampleDetail> details = new ArrayList<>();
        int logprobPositions = 0;
        int answeredPositions = 0;
        for (HeldOut h : examples) {
            Prediction p;
            try {
                p = predict(explanation.description(), h.example().tokens(), json);
                if (p.logprobsMissing && mode == Mode.AUTO && !json) {
                    logprobsUnavailable = true; // the provider does not return them: use structured answers from now on
                    json = true;
                    usage = usage.plus(p.usage);
                    p = predict(explanation.description(), h.example().tokens(), true);
                }
            } catch (ScoringLlm.CallFailed e) {
                return Score.undefined(record.id(), ref, NAME, new Score.Undefined(Score.Reason.LLM_ERROR, h.ref() + ": " + e.getMessage()),
                        null, details, Score.PromptRef.of(used), usage);
            } catch (UnparseableAnswer e) {
                llm.parseFailure();
                return Score.undefined(record.id(), ref, NAME, new Score.Undefined(Score.Reason.UNPARSEABLE_ANSWER,
                        h.ref() + ": " + e.getMessage()), null, details, Score.PromptRef.of(json ? jsonPrompt : linePrompt),
                        usage.plus(e.usage));
            }
            used = json ? jsonPrompt : linePrompt;
            usage = usage.plus(p.usage);
            logprobPositions += p.fromLogprobs;
            answeredPositions += p.values.length - p.fromLogprobs;
            details.add(new Score.ExampleDetail(h.ref(), h.activating(), null, null, null, null, h.example().activations(), p.values));
        }
        return fromPredictions(record.id(), ref, details, logprobPositions, answeredPositions, Score.PromptRef.of(used), usage);
    }

    /** The correlation step alone: pooled Pearson over every token of every example's details. */
    static Score fromPredictions(org.isaerft.activations.LatentId latent, Score.ExplanationRef ref, List<Score.ExampleDetail> details,
            int logprobPositions, int answeredPositions, Score.PromptRef prompt, Usage usage) {
        int n = 0;
        for (Score.ExampleDetail d : details) {
            n += d.trueActivations().length;
        }
        double[] truth = new double[n];
        double[] pred = new double[n];
        int k = 0;
        double perExampleSum = 0;
        int perExampleN = 0;
        for (Score.ExampleDetail d : details) {
            double[] t = new double[d.trueActivations().length];
            for (int i = 0; i < t.length; i++) {
                t[i] = d.trueActivations()[i];
                truth[k] = t[i];
                pred[k] = d.predictedActivations()[i];
                k++;
            }
            OptionalDouble r = ScoreMath.pearson(d.predictedActivations(), t);
            if (r.isPresent()) {
                perExampleSum += r.getAsDouble();
                perExampleN++;
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("n_tokens", (double) n);
        metrics.put("n_examples", (double) details.size());
        metrics.put("logprob_positions", (double) logprobPositions);
        metrics.put("answered_positions", (double) answeredPositions);
        metrics.put("pearson_mean_per_example", perExampleN == 0 ? null : perExampleSum / perExampleN);
        if (ScoreMath.isConstant(truth)) {
            metrics.put("pearson_pooled", null);
            return Score.undefined(latent, ref, NAME, new Score.Undefined(Score.Reason.CONSTANT_ACTIVATION,
                    "the true activations are constant over all " + n + " held-out tokens"), metrics, details, prompt, usage);
        }
        OptionalDouble r = ScoreMath.pearson(pred, truth);
        if (r.isEmpty()) {
            metrics.put("pearson_pooled", null);
            return Score.undefined(latent, ref, NAME, new Score.Undefined(Score.Reason.CONSTANT_PREDICTION,
                    "the simulator predicted " + pred[0] + " for all " + n + " held-out tokens"), metrics, details, prompt, usage);
        }
        metrics.put("pearson_pooled", r.getAsDouble());
        return Score.defined(latent, ref, NAME, r.getAsDouble(), metrics, details, prompt, usage);
    }

    private record Prediction(double[] values, int fromLogprobs, boolean logprobsMissing, Usage usage) {}

    /** The simulator's answer could not be read; carries the usage already spent. */
    static final class UnparseableAnswer extends Exception {
        final Usage usage;

        UnparseableAnswer(String message, Usage usage) {
            super(message);
            this.usage = usage;
        }
    }

    private Prediction predict(String explanation, List<String> tokens, boolean json) throws UnparseableAnswer {
        Prompt prompt = json ? jsonPrompt : linePrompt;
        Map<String, Object> vars = Map.of("explanation", explanation, "tokens", tokenListing(tokens), "n_tokens", tokens.size());
        ScoringLlm.Reply reply = llm.complete(Message.render(prompt, vars), json ? SCHEMA : null);
        if (reply.truncated()) {
            throw new UnparseableAnswer("the answer was cut off at the output-token limit (" + tokens.size()
                    + " tokens to rate; raise max_tokens in the LLM config)", reply.usage());
        }
        if (json) {
            return new Prediction(parseJson(reply.text(), tokens.size(), reply.usage()), 0, false, reply.usage());
        }
        if (!reply.hasLogprobs()) {
            if (mode == Mode.AUTO) {
                return new Prediction(new double[0], 0, true, reply.usage());
            }
            return new Prediction(parseLines(reply.text(), tokens.size(), reply.usage()).values, 0, true, reply.usage());
        }
        LogprobReader reader = new LogprobReader(reply.logprobs());
        Lines lines = parseLines(reader.text(), tokens.size(), reply.usage());
        double[] values = lines.values.clone();
        int fromLogprobs = 0;
        for (int i = 0; i < values.length; i++) {
            var ev = reader.expectedValueAt(lines.offsets[i], MAX_VALUE);
            if (ev.isPresent()) {
                values[i] = ev.get();
                fromLogprobs++;
            }
        }
        return new Prediction(values, fromLogprobs, false, reply.usage());
    }

    /** Tokens as numbered lines; newlines and tabs inside tokens are shown escaped. */
    static String tokenListing(List<String> tokens) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
            sb.append(i + 1).append('\t').append(t);
            if (i < tokens.size() - 1) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    record Lines(double[] values, int[] offsets) {}

    /** Reads "index TAB value" lines; every index 1..n must appear exactly once with a value 0..10. */
    static Lines parseLinesStrict(String text, int n) throws IllegalArgumentException {
        double[] values = new double[n];
        int[] offsets = new int[n];
        boolean[] seen = new boolean[n];
        Matcher m = LINE.matcher(text);
        while (m.find()) {
            int idx;
            int v;
            try {
                idx = Integer.parseInt(m.group(1));
                v = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                continue;
            }
            if (idx < 1 || idx > n) {
                throw new IllegalArgumentException("token number " + idx + " is outside 1.." + n);
            }
            if (v > MAX_VALUE) {
                throw new IllegalArgumentException("activation " + v + " for token " + idx + " is outside 0.." + MAX_VALUE);
            }
            if (seen[idx - 1]) {
                throw new IllegalArgumentException("token " + idx + " answered twice");
            }
            seen[idx - 1] = true;
            values[idx - 1] = v;
            offsets[idx - 1] = m.start(2);
        }
        for (int i = 0; i < n; i++) {
            if (!seen[i]) {
                throw new IllegalArgumentException("no activation for token " + (i + 1) + " of " + n);
            }
        }
        return new Lines(values, offsets);
    }

    private static Lines parseLines(String text, int n, Usage usage) throws UnparseableAnswer {
        try {
            return parseLinesStrict(text, n);
        } catch (IllegalArgumentException e) {
            throw new UnparseableAnswer(e.getMessage() + "; answer starts: " + snippet(text), usage);
        }
    }

    /**
     * Reads {@code {"activations": [..]}} (or a bare list), tolerating code fences and text around
     * it: exactly n integers in 0..10.
     */
    static double[] parseJsonStrict(String text, int n) {
        String s = text.strip();
        int objStart = s.indexOf('{');
        int arrStart = s.indexOf('[');
        JsonNode node;
        try {
            if (objStart >= 0 && (arrStart < 0 || objStart < arrStart)) {
                node = Json.MAPPER.readTree(s.substring(objStart, s.lastIndexOf('}') + 1)).get("activations");
            } else if (arrStart >= 0) {
                node = Json.MAPPER.readTree(s.substring(arrStart, s.lastIndexOf(']') + 1));
            } else {
                throw new IllegalArgumentException("no JSON object or list in the answer");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("answer is not valid JSON");
        }
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("answer has no 'activations' list");
        }
        if (node.size() != n) {
            throw new IllegalArgumentException("expected " + n + " activations, found " + node.size());
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode v = node.get(i);
            if (v.isTextual() && v.asText().strip().matches("\\d{1,2}")) {
                v = Json.MAPPER.getNodeFactory().numberNode(Integer.parseInt(v.asText().strip()));
            }
            if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble()) || v.asDouble() < 0 || v.asDouble() > MAX_VALUE) {
                throw new IllegalArgumentException("activation " + (i + 1) + " is " + v + ", not an integer 0.." + MAX_VALUE);
            }
            out[i] = v.asDouble();
        }
        return out;
    }

    private static double[] parseJson(String text, int n, Usage usage) throws UnparseableAnswer {
        try {
            return parseJsonStrict(text, n);
        } catch (IllegalArgumentException e) {
            throw new UnparseableAnswer(e.getMessage() + "; answer starts: " + snippet(text), usage);
        }
    }

    /** The structured answer: {@code {"activations": [int, …]}}. */
    public static final JsonSchema SCHEMA = schema();

    private static JsonSchema schema() {
        return JsonSchema.builder()
                .name("simulated_activations")
                .rootElement(JsonObjectSchema.builder()
                        .addProperty("activations", JsonArraySchema.builder()
                                .description("one integer 0-10 per token, in order")
                                .items(JsonIntegerSchema.builder().build())
                                .build())
                        .required("activations")
                        .additionalProperties(false)
                        .build())
                .build();
    }

    static String snippet(String s) {
        String t = s.replace("\n", "\\n");
        return "'" + (t.length() > 160 ? t.substring(0, 160) + "…" : t) + "'";
    }
}
