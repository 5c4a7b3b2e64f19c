package org.isaerft.score;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.isaerft.llm.BudgetExceededException;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.LlmException;
import org.isaerft.llm.LlmResponse;
import org.isaerft.llm.Message;
import org.isaerft.llm.Provider;

/**
 * {@link ScoringLlm} over the project's {@link LlmClient}. Structured answers go to a second
 * client that shares the first one's ledger (budget and totals) and whose model enforces the
 * JSON schema — built only for OpenAI-compatible servers and only for one schema (the scorers use
 * one each); elsewhere the plain client is used and the answer is parsed defensively.
 */
public final class LlmClientScoringLlm implements ScoringLlm {
    private final LlmClient client;
    private final LlmClient jsonClient;
    private final JsonSchema jsonSchema;

    /**
     * @param client     the client for free-text (and log-probability) requests
     * @param jsonClient a client whose model enforces {@code jsonSchema}, or null
     * @param jsonSchema the schema {@code jsonClient} enforces, or null
     */
    public LlmClientScoringLlm(LlmClient client, LlmClient jsonClient, JsonSchema jsonSchema) {
        if ((jsonClient == null) != (jsonSchema == null)) {
            throw new IllegalArgumentException("a structured-output client needs its schema, and a schema its client");
        }
        this.client = client;
        this.jsonClient = jsonClient;
        this.jsonSchema = jsonSchema;
    }

    /**
     * Clients for {@code cfg}, caching responses under {@code cacheDir} (null = no cache). With
     * {@code structured} and an OpenAI-compatible provider, answers asked for with {@code schema}
     * are constrained by the server (response_format json_schema, strict).
     */
    public static LlmClientScoringLlm create(LlmConfig cfg, Path cacheDir, JsonSchema schema, boolean structured,
            Function<String, String> env) {
        LlmClient main = LlmClient.builder(ChatModels.create(cfg, env), cfg).env(env).cacheDir(cacheDir).build();
        if (!structured || schema == null || cfg.provider() != Provider.OPENAI) {
            return new LlmClientScoringLlm(main, null, null);
        }
        LlmConfig jsonCfg = cfg.toBuilder().logprobs(false).topLogprobs(0).build();
        ResponseFormat format = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build();
        ChatModel jsonModel = ChatModels.create(jsonCfg, env, format);
        LlmClient json = LlmClient.builder(jsonModel, jsonCfg).env(env).cacheDir(cacheDir).ledger(main.ledger())
                .cacheKeyExtra("response_format", format.toString()).build();
        return new LlmClientScoringLlm(main, json, schema);
    }

    public LlmClient client() {
        return client;
    }

    @Override
    public String name() {
        return client.modelRef();
    }

    @Override
    public boolean returnsLogprobs() {
        return client.config().logprobs();
    }

    @Override
    public void parseFailure() {
        client.ledger().parseFailure();
    }

    @Override
    public Reply complete(List<Message> messages, JsonSchema schema) {
        LlmClient c = schema != null && jsonClient != null && schema.equals(jsonSchema) ? jsonClient : client;
        LlmResponse r;
        try {
            r = c.complete(messages);
        } catch (BudgetExceededException e) {
            throw e;
        } catch (LlmException e) {
            throw new CallFailed(e.getMessage(), e);
        }
        return new Reply(r.text(), r.logprobs(), r.usage(), "LENGTH".equalsIgnoreCase(r.finishReason()));
    }
}
