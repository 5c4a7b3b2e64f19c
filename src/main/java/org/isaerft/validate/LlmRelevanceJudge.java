package org.isaerft.validate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.Message;
import org.isaerft.llm.Parsed;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;

/**
 * Relevance by an LLM judge through the LLM layer (cache, retries, budget): prompt
 * {@value #PROMPT_ID} asks for {@code score: N} with N an integer 0–10; relevance = N / 10.
 * An answer without such a score is asked again (fresh samples) up to {@code parseRetries}
 * times and then becomes a typed {@link RelevanceJudge.Failed}; it is never stored as a value.
 * Thresholds: on-task ≥ 0.5 (score ≥ 5, "partly related" or better), off-task &lt; 0.2 (score ≤ 1).
 */
public final class LlmRelevanceJudge implements RelevanceJudge {
    public static final String PROMPT_ID = "validate/relevance";
    private static final Pattern SCORE = Pattern.compile("(?i)^\\s*(?:score\\s*[:=]\\s*)?(\\d{1,2})(?:\\s*/\\s*10)?\\s*\\.?\\s*$");
    private final LlmClient client;
    private final Prompt prompt;
    private final int parseRetries;

    public LlmRelevanceJudge(LlmClient client, Prompts prompts, int parseRetries) {
        if (parseRetries < 0) {
            throw new IllegalArgumentException("parse retries must be >= 0, found " + parseRetries);
        }
        this.client = client;
        this.prompt = prompts.load(PROMPT_ID);
        this.parseRetries = parseRetries;
    }

    public Prompt prompt() {
        return prompt;
    }

    @Override
    public String name() {
        return "llm:" + client.modelRef();
    }

    @Override
    public double onTaskThreshold() {
        return 0.5;
    }

    @Override
    public double offTaskThreshold() {
        return 0.2;
    }

    /** The rendered conversation for one description (golden-testable). */
    public List<Message> messages(String description, TaskExpectation task) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("task", task.description().strip());
        vars.put("concepts", task.concepts().isEmpty() ? "(none: a control task)" : String.join(", ", task.concepts()));
        vars.put("description", description.strip());
        return Message.render(prompt, vars);
    }

    /**
     * The 0–10 score in an answer: the last non-blank line must be {@code score: N} (or a bare
     * {@code N}, {@code N/10}); anything else, or N &gt; 10, is unparseable.
     */
    public static Optional<Integer> parseScore(String answer) {
        if (answer == null) {
            return Optional.empty();
        }
        String[] lines = answer.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].isBlank()) {
                continue;
            }
            Matcher m = SCORE.matcher(lines[i]);
            if (!m.matches()) {
                return Optional.empty();
            }
            int v = Integer.parseInt(m.group(1));
            return v <= 10 ? Optional.of(v) : Optional.empty();
        }
        return Optional.empty();
    }

    @Override
    public Judgement judge(String description, TaskExpectation task) {
        Parsed<Integer> p = client.completeParsed(messages(description, task), LlmRelevanceJudge::parseScore, parseRetries);
        if (p instanceof Parsed.Ok<Integer> ok) {
            return new Relevant(ok.value() / 10.0, Map.of("score", (double) ok.value()));
        }
        Parsed.Failed<Integer> f = (Parsed.Failed<Integer>) p;
        Reason r = f.reason() == Parsed.Reason.UNPARSEABLE ? Reason.UNPARSEABLE : Reason.LLM_ERROR;
        return new Failed(r, f.message(), f.rejected());
    }
}
