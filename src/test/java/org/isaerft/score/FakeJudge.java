package org.isaerft.score;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.explain.Explanation;

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
    final List<Request> requests = new ArrayList<>();

    FakeJudge(BiFunction<String, String, Double> rule, boolean logprobs) {
        this.rule = rule;
        this.logprobs = logprobs;
    }

    @Override
    public String name() {
        return "fake/judge";
    }

    @Override
    public Reply complete(Request request) {
        requests.add(request);
        Matcher em = EXPL.matcher(request.user());
        if (!em.find()) {
            throw new IllegalStateException("no explanation in the request");
        }
        String explanation = em.group(1).strip();
        Matcher m = EXAMPLE.matcher(request.user());
        List<TokenLogprob> toks = new ArrayList<>();
        toks.add(new TokenLogprob("[", 0, List.of(new Alternative("[", 0))));
        StringBuilder text = new StringBuilder("[");
        int i = 0;
        while (m.find()) {
            double p1 = rule.apply(explanation, m.group(2));
            String sp = i == 0 ? "" : " ";
            String digit = p1 >= 0.5 ? "1" : "0";
            if (i > 0) {
                toks.add(new TokenLogprob(",", 0, List.of(new Alternative(",", 0))));
                text.append(',');
            }
            toks.add(new TokenLogprob(sp + digit, Math.log(digit.equals("1") ? p1 : 1 - p1),
                    List.of(new Alternative(sp + "1", Math.log(p1)), new Alternative(sp + "0", Math.log(1 - p1)))));
            text.append(sp).append(digit);
            i++;
        }
        toks.add(new TokenLogprob("]", 0, List.of(new Alternative("]", 0))));
        text.append(']');
        return new Reply(text.toString(), logprobs ? toks : null, new Explanation.Usage(50, 5, 0.001));
    }
}
