package org.isaerft.explain.adapter;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.isaerft.activations.Example;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.AnswerParsers;
import org.isaerft.explain.ExplainResult;
import org.isaerft.explain.Shown;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.Message;
import org.isaerft.llm.Parsed;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Usage;

/**
 * Explains adapter directions from the descriptions of the SAE latents they touch: FFNN hidden units
 * ("when &lt;question&gt;, it &lt;edit&gt;") and scale/bias adapters (what fine-tuning raised and lowered).
 * Two variants: {@link #offline} builds the text from the latent descriptions alone (method
 * {@code adapter-offline}); {@link #llm} asks an LLM with versioned prompts (method
 * {@code llm:<provider>/<model>:adapter}), with the same parse-failure handling as the latent explainers.
 */
public final class AdapterExplainer {
    public static final String OFFLINE_METHOD = "adapter-offline";
    public static final String UNIT_PROMPT = "adapter/ffnn-unit";
    public static final String CHANGE_PROMPT = "adapter/change-summary";
    static final int CONTEXTS = 3;
    static final int CONTEXT_WINDOW = 32;

    private final int k;
    private final LlmClient client;
    private final Prompt unitPrompt;
    private final Prompt changePrompt;
    private final int maxParseRetries;

    private AdapterExplainer(int k, LlmClient client, Prompts prompts, int maxParseRetries) {
        if (k < 1 || maxParseRetries < 0) {
            throw new IllegalArgumentException("adapter explainer: k must be >= 1 and max_parse_retries >= 0, found " + k + ", "
                    + maxParseRetries);
        }
        this.k = k;
        this.client = client;
        this.unitPrompt = prompts == null ? null : prompts.load(UNIT_PROMPT);
        this.changePrompt = prompts == null ? null : prompts.load(CHANGE_PROMPT);
        this.maxParseRetries = maxParseRetries;
    }

    /** Descriptions only, no LLM; {@code k} latents per side. */
    public static AdapterExplainer offline(int k) {
        return new AdapterExplainer(k, null, null, 0);
    }

    public static AdapterExplainer llm(LlmClient client, Prompts prompts, int k, int maxParseRetries) {
        if (client == null || prompts == null) {
            throw new IllegalArgumentException("the LLM adapter explainer needs a client and prompts");
        }
        return new AdapterExplainer(k, client, prompts, maxParseRetries);
    }

    public String method() {
        return client == null ? OFFLINE_METHOD : "llm:" + client.modelRef() + ":adapter";
    }

    // ---- FFNN units -------------------------------------------------------------------------------

    public List<AdapterExplainResult<UnitExplanation>> explainUnits(FfnnWeights a) {
        List<AdapterExplainResult<UnitExplanation>> out = new ArrayList<>();
        for (int u = 0; u < a.hidden(); u++) {
            out.add(explainUnit(a, u));
        }
        return out;
    }

    public AdapterExplainResult<UnitExplanation> explainUnit(FfnnWeights a, int u) {
        List<WeightedLatent> reads = a.reads(u, k);
        List<WeightedLatent> writes = a.writes(u, k);
        if (reads.isEmpty() || writes.isEmpty()) {
            return new AdapterExplainResult.Failure<>(a.adapterId(), u, ExplainResult.Reason.NO_SIGNAL,
                    "unit " + u + (reads.isEmpty() ? " reads no latent (W1 row is zero)" : " writes no latent (W2 column is zero)"),
                    List.of());
        }
        List<String> contexts = contexts(a.unitRecords().get(u));
        if (client == null) {
            String question = offlineQuestion(reads);
            String edit = offlineEdit(writes);
            return new AdapterExplainResult.Success<>(new UnitExplanation(UnitExplanation.SCHEMA_VERSION, UnitExplanation.TYPE,
                    a.adapterId(), u, a.unitId(u), question, edit, "when " + question + ", it " + edit, reads, writes, contexts,
                    method(), null, null, null, Usage.NONE, Instant.now().toString()));
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("unit", u);
        vars.put("reads", lines(reads));
        vars.put("writes", lines(writes));
        vars.put("contexts", contexts.isEmpty() ? "(none recorded)" : String.join("\n", contexts));
        List<Message> msgs = Message.render(unitPrompt, vars);
        Asked<String[]> asked = ask(msgs, answer -> {
            Optional<String> q = AnswerParsers.labelled(answer, "QUESTION");
            Optional<String> e = AnswerParsers.labelled(answer, "EDIT");
            Optional<String> s = AnswerParsers.labelled(answer, "SENTENCE");
            if (q.isEmpty() || e.isEmpty() || s.isEmpty() || !s.get().toLowerCase(Locale.ROOT).startsWith("when ")) {
                return Optional.empty();
            }
            return Optional.of(new String[] {q.get(), e.get(), s.get()});
        });
        if (asked.failure != null) {
            return new AdapterExplainResult.Failure<>(a.adapterId(), u, asked.failure, asked.message, asked.rejected);
        }
        String[] p = asked.value;
        return new AdapterExplainResult.Success<>(new UnitExplanation(UnitExplanation.SCHEMA_VERSION, UnitExplanation.TYPE,
                a.adapterId(), u, a.unitId(u), p[0], p[1], p[2], reads, writes, contexts, method(), unitPrompt.id(),
                unitPrompt.version(), unitPrompt.sha256(), asked.usage, Instant.now().toString()));
    }

    /** The exact conversation the LLM variant sends for unit {@code u} (for golden tests and inspection). */
    public List<Message> unitMessages(FfnnWeights a, int u) {
        requireLlm();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("unit", u);
        vars.put("reads", lines(a.reads(u, k)));
        vars.put("writes", lines(a.writes(u, k)));
        List<String> contexts = contexts(a.unitRecords().get(u));
        vars.put("contexts", contexts.isEmpty() ? "(none recorded)" : String.join("\n", contexts));
        return Message.render(unitPrompt, vars);
    }

    static String offlineQuestion(List<WeightedLatent> reads) {
        List<String> pos = reads.stream().filter(w -> w.weight() > 0).limit(3).map(w -> quote(w.label())).toList();
        List<String> neg = reads.stream().filter(w -> w.weight() < 0).limit(2).map(w -> quote(w.label())).toList();
        String q = pos.isEmpty() ? "none of its negative inputs is active" : String.join(" or ", pos) + " is active";
        if (!pos.isEmpty() && !neg.isEmpty()) {
            q += " and " + String.join(" or ", neg) + " is not";
        } else if (pos.isEmpty()) {
            q = String.join(" and ", neg) + (neg.size() > 1 ? " are" : " is") + " absent";
        }
        return q;
    }

    static String offlineEdit(List<WeightedLatent> writes) {
        List<String> up = writes.stream().filter(w -> w.weight() > 0).limit(3).map(w -> quote(w.label())).toList();
        List<String> down = writes.stream().filter(w -> w.weight() < 0).limit(3).map(w -> quote(w.label())).toList();
        List<String> parts = new ArrayList<>();
        if (!up.isEmpty()) {
            parts.add("raises " + joinAnd(up));
        }
        if (!down.isEmpty()) {
            parts.add("lowers " + joinAnd(down));
        }
        return String.join(" and ", parts);
    }

    /** Up to 3 explain-split activating windows of the unit's record, peak token marked. */
    static List<String> contexts(LatentRecord r) {
        if (r == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Example e : r.activating(Example.SPLIT_EXPLAIN)) {
            if (out.size() >= CONTEXTS) {
                break;
            }
            Shown s = Shown.of(e, CONTEXT_WINDOW);
            int peak = 0;
            for (int i = 1; i < s.activations().length; i++) {
                if (s.activations()[i] > s.activations()[peak]) {
                    peak = i;
                }
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.tokens().size(); i++) {
                String t = Shown.display(s.tokens().get(i));
                sb.append(i == peak ? "<<" + t + ">>" : t);
            }
            out.add(sb.toString());
        }
        return out;
    }

    // ---- scale / bias -----------------------------------------------------------------------------

    public AdapterExplainResult<AdapterChangeExplanation> explainChange(VectorWeights a) {
        List<WeightedLatent> raised = a.raised(k);
        List<WeightedLatent> lowered = a.lowered(k);
        if (raised.isEmpty() && lowered.isEmpty()) {
            return new AdapterExplainResult.Failure<>(a.adapterId(), -1, ExplainResult.Reason.NO_SIGNAL,
                    "adapter " + a.adapterId() + " changes no latent (all values are zero)", List.of());
        }
        if (client == null) {
            return new AdapterExplainResult.Success<>(new AdapterChangeExplanation(AdapterChangeExplanation.SCHEMA_VERSION,
                    AdapterChangeExplanation.TYPE, a.adapterId(), a.kind().id(), offlineSummary(raised, lowered), raised, lowered,
                    method(), null, null, null, Usage.NONE, Instant.now().toString()));
        }
        Asked<String> asked = ask(changeMessages(a), answer -> AnswerParsers.marked(answer, "SUMMARY"));
        if (asked.failure != null) {
            return new AdapterExplainResult.Failure<>(a.adapterId(), -1, asked.failure, asked.message, asked.rejected);
        }
        return new AdapterExplainResult.Success<>(new AdapterChangeExplanation(AdapterChangeExplanation.SCHEMA_VERSION,
                AdapterChangeExplanation.TYPE, a.adapterId(), a.kind().id(), asked.value, raised, lowered, method(),
                changePrompt.id(), changePrompt.version(), changePrompt.sha256(), asked.usage, Instant.now().toString()));
    }

    public List<Message> changeMessages(VectorWeights a) {
        requireLlm();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("kind", a.kind().id());
        vars.put("kind_meaning", a.kind() == VectorWeights.Kind.SCALE
                ? "A scale adapter multiplies latent i by (1 + s_i): the values below are s_i."
                : "A bias adapter adds b_i to latent i: the values below are b_i.");
        List<WeightedLatent> raised = a.raised(k);
        List<WeightedLatent> lowered = a.lowered(k);
        vars.put("raised", raised.isEmpty() ? "(none)" : lines(raised));
        vars.put("lowered", lowered.isEmpty() ? "(none)" : lines(lowered));
        return Message.render(changePrompt, vars);
    }

    static String offlineSummary(List<WeightedLatent> raised, List<WeightedLatent> lowered) {
        List<String> parts = new ArrayList<>();
        if (!raised.isEmpty()) {
            parts.add("raises " + joinAnd(raised.stream().limit(5).map(AdapterExplainer::withValue).toList()));
        }
        if (!lowered.isEmpty()) {
            parts.add("lowers " + joinAnd(lowered.stream().limit(5).map(AdapterExplainer::withValue).toList()));
        }
        return "fine-tuning " + String.join("; it ", parts);
    }

    // ---- shared -----------------------------------------------------------------------------------

    private record Asked<T>(T value, ExplainResult.Reason failure, String message, List<String> rejected, Usage usage) {}

    private <T> Asked<T> ask(List<Message> msgs, Function<String, Optional<T>> parse) {
        Parsed<T> p = client.completeParsed(msgs, parse, maxParseRetries);
        if (p instanceof Parsed.Ok<T> ok) {
            return new Asked<>(ok.value(), null, null, ok.rejected(), ok.usage());
        }
        Parsed.Failed<T> f = (Parsed.Failed<T>) p;
        return new Asked<>(null, f.reason() == Parsed.Reason.LLM_ERROR ? ExplainResult.Reason.LLM_ERROR
                : ExplainResult.Reason.UNPARSEABLE, f.message(), f.rejected(), f.usage());
    }

    private void requireLlm() {
        if (client == null) {
            throw new IllegalStateException("the offline adapter explainer sends no prompt");
        }
    }

    static String lines(List<WeightedLatent> ws) {
        StringBuilder sb = new StringBuilder();
        for (WeightedLatent w : ws) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            String d = w.description() != null && !w.description().isBlank() ? w.description() : "(no description)";
            sb.append(String.format(Locale.ROOT, "%+.3f  %s: %s", w.weight(), w.latent(), d));
        }
        return sb.toString();
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }

    static String withValue(WeightedLatent w) {
        return quote(w.label()) + String.format(Locale.ROOT, " (%+.3f)", w.weight());
    }

    static String joinAnd(List<String> items) {
        if (items.size() <= 1) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
