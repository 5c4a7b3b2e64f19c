package org.isaerft.score;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import org.isaerft.llm.Message;
import org.isaerft.llm.TokenLogprobs;
import org.isaerft.llm.Usage;

/**
 * A deterministic judge: reads the explanation and the "Example i: …" lines of each request and
 * answers "[a, b, …]" from a rule (explanation, example text) → P(1). The answer is 1 when
 * P(1) ≥ 0.5. With {@code logprobs}, each digit token carries top alternatives " 1"/" 0" (after the
 * first, which has no leading space) with those probabilities.
 */
final class FakeJudge implements ScoringLlm {
    private static final Pattern EXPL = Pattern.compile("Feature explanation: (.*)");
    private static final Pattern EXAMPLE = Pattern.compile("(?m)^Example (\\d+): (.*)$");
    private final BiFunction<String, String, Double> rule;
    private final boolean logprobs;
    /** The user message of every request, in order. */
    final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

    FakeJudge(BiFunction<String, String, Double> rule, boolean logprobs) {
        this.rule = rule;
        this.logprobs = logprobs;
    }

    /** An LLM without log-probabilities whose reply text is {@code answer} applied to the last (user) message. */
    static ScoringLlm answering(String name, java.util.function.UnaryOperator<String> answer) {
        return new ScoringLlm() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean returnsLogprobs() {
                return false;
            }

            @Override
            public Reply complete(List<Message> messages, JsonSchema schema) {
                return new Reply(answer.apply(messages.get(messages.size() - 1).text()), null, null, false);
            }
        };
    }

    @Override
    public String name() {
        return "fake/judge";
    }

    @Override
    public boolean returnsLogprobs() {
        return logprobs;
    }

    @Override
    public Reply complete(List<Message> messages, JsonSchema schema) {
        String user = messages.get(messages.size() - 1).text();
        requests.add(user);
        Matcher em = EXPL.matcher(user);
        if (!em.find()) {
            throw new IllegalStateException("no explanation in the request");
        }
        String explanation = em.group(1).strip();
        Matcher m = EXAMPLE.matcher(user);
        List<TokenLogprobs> toks = new ArrayList<>();
        toks.add(new TokenLogprobs("[", 0, List.of(new TokenLogprobs.Alternative("[", 0))));
        StringBuilder text = new StringBuilder("[");
        int i = 0;
        while (m.find()) {
            double p1 = rule.apply(explanation, m.group(2));
            String sp = i == 0 ? "" : " ";
            String digit = p1 >= 0.5 ? "1" : "0";
            if (i > 0) {
                toks.add(new TokenLogprobs(",", 0, List.of(new TokenLogprobs.Alternative(",", 0))));
                text.append(',');
            }
            toks.add(new TokenLogprobs(sp + digit, Math.log(digit.equals("1") ? p1 : 1 - p1),
                    List.of(new TokenLogprobs.Alternative(sp + "1", Math.log(p1)), new TokenLogprobs.Alternative(sp + "0", Math.log(1 - p1)))));
            text.append(sp).append(digit);
            i++;
        }
        toks.add(new TokenLogprobs("]", 0, List.of(new TokenLogprobs.Alternative("]", 0))));
        text.append(']');
        return new Reply(text.toString(), logprobs ? toks : null, new Usage(50, 5, 0.001), false);
    }
}
