package org.isaerft.score;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.LogProb;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Prompt;

/**
 * {@link ScoringLlm} over a LangChain4j {@link ChatModel}. Log-probabilities are requested through
 * {@link OpenAiChatRequestParameters} and read from {@link OpenAiChatResponseMetadata}; other
 * providers simply return none, and the scorers fall back to structured answers.
 */
public final class LangChainScoringLlm implements ScoringLlm {
    private final ChatModel model;
    private final String name;
    private final boolean openAiCompatible;

    /**
     * @param model            the chat model
     * @param name             {@code provider/model} for records
     * @param openAiCompatible true if the model accepts OpenAI request parameters (logprobs)
     */
    public LangChainScoringLlm(ChatModel model, String name, boolean openAiCompatible) {
        this.model = model;
        this.name = name;
        this.openAiCompatible = openAiCompatible;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Reply complete(Request request) {
        List<ChatMessage> messages = new ArrayList<>();
        if (request.system() != null && !request.system().isBlank()) {
            messages.add(SystemMessage.from(request.system()));
        }
        for (Prompt.Shot shot : request.fewShot()) {
            messages.add(UserMessage.from(shot.user()));
            messages.add(AiMessage.from(shot.assistant()));
        }
        messages.add(UserMessage.from(request.user()));
        ResponseFormat format = request.jsonSchema() == null ? null
                : ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(request.jsonSchema()).build();
        ChatRequest.Builder b = ChatRequest.builder().messages(messages);
        if (openAiCompatible) {
            OpenAiChatRequestParameters.Builder p = OpenAiChatRequestParameters.builder()
                    .temperature(request.temperature())
                    .maxOutputTokens(request.maxTokens());
            if (request.topLogprobs() > 0) {
                p.logprobs(true).topLogprobs(request.topLogprobs());
            }
            if (format != null) {
                p.responseFormat(format);
            }
            b.parameters(p.build());
        } else {
            b.temperature(request.temperature()).maxOutputTokens(request.maxTokens());
            if (format != null) {
                b.responseFormat(format);
            }
        }
        ChatResponse response;
        try {
            response = model.chat(b.build());
        } catch (RuntimeException e) {
            throw new CallFailed(name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        String text = response.aiMessage() == null ? null : response.aiMessage().text();
        if (text == null) {
            throw new CallFailed(name + ": the response has no text", null);
        }
        List<TokenLogprob> lps = null;
        if (response.metadata() instanceof OpenAiChatResponseMetadata meta && meta.logProbs() != null) {
            lps = new ArrayList<>();
            for (LogProb lp : meta.logProbs()) {
                List<Alternative> alts = new ArrayList<>();
                if (lp.topLogprobs() != null) {
                    for (LogProb t : lp.topLogprobs()) {
                        alts.add(new Alternative(t.token(), t.logprob()));
                    }
                }
                lps.add(new TokenLogprob(lp.token(), lp.logprob() == null ? Double.NEGATIVE_INFINITY : lp.logprob(), alts));
            }
        }
        TokenUsage u = response.tokenUsage();
        Explanation.Usage usage = u == null ? Explanation.Usage.NONE
                : new Explanation.Usage(nz(u.inputTokenCount()), nz(u.outputTokenCount()), 0.0);
        return new Reply(text, lps, usage);
    }

    private static long nz(Integer i) {
        return i == null ? 0 : i;
    }
}
