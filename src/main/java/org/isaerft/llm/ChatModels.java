package org.isaerft.llm;

import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.net.http.HttpClient;
import java.util.function.Function;

/**
 * Builds the LangChain4j {@link ChatModel} an {@link LlmConfig} names. LangChain4j's own retries
 * are switched off ({@code maxRetries(0)}) so {@link LlmClient}'s retries are the only ones, and
 * counted; request/response logging stays off so prompts and keys never reach the logs. Plain
 * {@code http://} servers are spoken to in HTTP/1.1 (local servers often reject the JDK client's
 * h2c upgrade).
 */
public final class ChatModels {
    private ChatModels() {}

    /** Reads the key from the process environment. */
    public static ChatModel create(LlmConfig cfg) {
        return create(cfg, System::getenv);
    }

    /**
     * @param env looks up environment variables by name (injectable for tests)
     */
    public static ChatModel create(LlmConfig cfg, Function<String, String> env) {
        return create(cfg, env, null);
    }

    /**
     * A model whose answers follow {@code format} (e.g. a JSON schema; strict on OpenAI-compatible
     * servers). Give the {@link LlmClient} the same format as a cache key extra
     * ({@code builder.cacheKeyExtra("response_format", format.toString())}) so constrained and free
     * answers never share cache entries.
     *
     * @param format null = free text
     */
    public static ChatModel create(LlmConfig cfg, Function<String, String> env, ResponseFormat format) {
        String key = apiKey(cfg, env);
        String url = cfg.resolvedBaseUrl();
        return switch (cfg.provider()) {
            case OPENAI -> {
                OpenAiChatModel.OpenAiChatModelBuilder b = OpenAiChatModel.builder()
                        .httpClientBuilder(http(cfg, url))
                        .baseUrl(url)
                        .apiKey(key == null ? "none" : key)
                        .modelName(cfg.model())
                        .temperature(cfg.temperature())
                        .maxTokens(cfg.maxTokens())
                        .timeout(cfg.timeout())
                        .maxRetries(0)
                        .logRequests(false)
                        .logResponses(false);
                if (format != null) {
                    b.responseFormat(format).strictJsonSchema(true);
                }
                if (cfg.logprobs()) {
                    b.logprobs(true);
                    if (cfg.topLogprobs() > 0) {
                        b.topLogprobs(cfg.topLogprobs());
                    }
                }
                yield b.build();
            }
            case ANTHROPIC -> {
                if (key == null) {
                    throw new IllegalArgumentException("llm config: provider anthropic needs api_key_env (e.g. ANTHROPIC_API_KEY)");
                }
                AnthropicChatModel.AnthropicChatModelBuilder b = AnthropicChatModel.builder()
                        .httpClientBuilder(http(cfg, url))
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(cfg.model())
                        .temperature(cfg.temperature())
                        .maxTokens(cfg.maxTokens())
                        .timeout(cfg.timeout())
                        .maxRetries(0)
                        .logRequests(false)
                        .logResponses(false);
                if (format != null) {
                    b.responseFormat(format);
                }
                yield b.build();
            }
            case OLLAMA -> {
                OllamaChatModel.OllamaChatModelBuilder b = OllamaChatModel.builder()
                        .httpClientBuilder(http(cfg, url))
                        .baseUrl(url)
                        .modelName(cfg.model())
                        .temperature(cfg.temperature())
                        .numPredict(cfg.maxTokens())
                        .timeout(cfg.timeout())
                        .logRequests(false)
                        .logResponses(false);
                if (key != null) {
                    b.customHeaders(java.util.Map.of("Authorization", "Bearer " + key));
                }
                if (format != null) {
                    b.responseFormat(format);
                }
                yield b.maxRetries(0).build();
            }
        };
    }

    /** The API key from the environment variable the config names; null when the config names none. */
    static String apiKey(LlmConfig cfg, Function<String, String> env) {
        if (cfg.apiKeyEnv() == null) {
            return null;
        }
        String v = env.apply(cfg.apiKeyEnv());
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("environment variable " + cfg.apiKeyEnv() + " (api_key_env of the "
                    + cfg.provider().id() + " config) is not set");
        }
        return v.strip();
    }

    private static HttpClientBuilder http(LlmConfig cfg, String url) {
        HttpClient.Builder jdk = HttpClient.newBuilder();
        if (url.startsWith("http://")) {
            jdk.version(HttpClient.Version.HTTP_1_1);
        }
        return JdkHttpClient.builder().httpClientBuilder(jdk).connectTimeout(cfg.timeout()).readTimeout(cfg.timeout());
    }
}
