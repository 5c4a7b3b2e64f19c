package org.isaerft.explain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.isaerft.activations.LatentRecord;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.Message;
import org.isaerft.llm.Parsed;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;

/**
 * Explains a latent by asking an LLM, in one of two prompt styles. Only activating examples of the
 * explain split are shown. An answer that does not parse is counted in the run's LLM ledger and
 * the question is asked again as a fresh sample (bounded by {@code maxParseRetries}); if no answer
 * parses the result is a typed {@link ExplainResult.Reason#UNPARSEABLE} failure.
 */
public final class LlmExplainer implements Explainer {
    /** Prompt styles. */
    public enum Style {
        /** OpenAI neuron-explainer: token<TAB>activation lines. */
        OAI("oai", "explain/oai-neuron", AnswerParsers::oai),
        /** Delphi: activating tokens marked in context, answer ends with [EXPLANATION]:. */
        DELPHI("delphi", "explain/delphi", AnswerParsers::delphi);

        private final String id;
        private final String promptId;
        private final Function<String, Optional<String>> parser;

        Style(String id, String promptId, Function<String, Optional<String>> parser) {
            this.id = id;
            this.promptId = promptId;
            this.parser = parser;
        }

        public String id() {
            return id;
        }

        public String promptId() {
            return promptId;
        }

        public Optional<String> parse(String answer) {
            return parser.apply(answer);
        }
    }

    /**
     * @param maxExamples     activating explain-split examples shown (top first, then deciles)
     * @param window          tokens per example around its peak (<= 0: whole example)
     * @param maxParseRetries extra answers requested after an unparseable one
     */
    public record Options(int maxExamples, int window, int maxParseRetries) {
        public static final Options DEFAULT = new Options(20, 64, 2);

        public Options {
            if (maxExamples < 1 || maxParseRetries < 0) {
                throw new IllegalArgumentException("llm explainer: max_examples must be >= 1 and max_parse_retries >= 0, found "
                        + maxExamples + ", " + maxParseRetries);
            }
        }
    }

    private final LlmClient client;
    private final Style style;
    private final Prompt prompt;
    private final Options options;

    public LlmExplainer(LlmClient client, Style style, Prompts prompts, Options options) {
        this.client = client;
        this.style = style;
        this.prompt = prompts.load(style.promptId());
        this.options = options;
    }

    @Override
    public String method() {
        return "llm:" + client.modelRef() + ":" + style.id();
    }

    public Prompt prompt() {
        return prompt;
    }

    public LlmClient client() {
        return client;
    }

    /** The exact conversation sent for {@code record}, or empty when the record has nothing to show. */
    public Optional<List<Message>> messages(LatentRecord record) {
        return messages(Shown.explainSplit(record, options.maxExamples(), options.window()));
    }

    private Optional<List<Message>> messages(List<Shown> shown) {
        double max = OaiFormat.maxActivation(shown);
        if (shown.isEmpty() || !(max > 0)) {
            return Optional.empty();
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        switch (style) {
            case OAI -> {
                vars.put("records", OaiFormat.records(shown, max, false));
                vars.put("sparse_repeat", OaiFormat.sparseRepeat(shown, max));
            }
            case DELPHI -> vars.put("examples", DelphiFormat.examples(shown, max, true).stripTrailing());
        }
        return Optional.of(Message.render(prompt, vars));
    }

    @Override
    public ExplainResult explain(LatentRecord record) {
        if (record.dead()) {
            return ExplainResult.Failure.of(record.id(), method(), ExplainResult.Reason.DEAD_LATENT, "latent never fired");
        }
        List<Shown> shown = Shown.explainSplit(record, options.maxExamples(), options.window());
        if (shown.isEmpty()) {
            return ExplainResult.Failure.of(record.id(), method(), ExplainResult.Reason.NO_EXAMPLES,
                    "no activating example in the explain split");
        }
        Optional<List<Message>> msgs = messages(shown);
        if (msgs.isEmpty()) {
            return ExplainResult.Failure.of(record.id(), method(), ExplainResult.Reason.NO_ACTIVATIONS,
                    "the shown examples have no positive activation");
        }
        List<String> refs = ExampleRefs.refs(record, shown.stream().map(Shown::source).toList());
        Parsed<String> p = client.completeParsed(msgs.get(), style::parse, options.maxParseRetries());
        if (p instanceof Parsed.Ok<String> ok) {
            return new ExplainResult.Success(Explanation.of(record.id(), ok.value(), method(), prompt.id(), prompt.version(),
                    prompt.sha256(), refs, ok.usage()));
        }
        Parsed.Failed<String> f = (Parsed.Failed<String>) p;
        ExplainResult.Reason reason = f.reason() == Parsed.Reason.LLM_ERROR ? ExplainResult.Reason.LLM_ERROR
                : ExplainResult.Reason.UNPARSEABLE;
        String message = reason == ExplainResult.Reason.UNPARSEABLE
                ? f.rejected().size() + " answers did not follow the " + style.id() + " format" : f.message();
        return ExplainResult.Failure.of(record.id(), method(), reason, message, f.rejected().size(), f.rejected(), f.usage());
    }
}
