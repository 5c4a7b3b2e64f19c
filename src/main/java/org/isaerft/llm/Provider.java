package org.isaerft.llm;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** The chat APIs isaerft speaks, each through its LangChain4j {@code ChatModel}. */
public enum Provider {
    /** OpenAI chat completions, or any server speaking that API (vLLM, llama.cpp server, LM Studio, OpenRouter). */
    OPENAI("openai", "https://api.openai.com/v1"),
    /** Anthropic messages API. */
    ANTHROPIC("anthropic", "https://api.anthropic.com/v1/"),
    /** Ollama's /api/chat. */
    OLLAMA("ollama", "http://localhost:11434");

    private final String id;
    private final String defaultBaseUrl;

    Provider(String id, String defaultBaseUrl) {
        this.id = id;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    @JsonValue
    public String id() {
        return id;
    }

    public String defaultBaseUrl() {
        return defaultBaseUrl;
    }

    @JsonCreator
    public static Provider parse(String s) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        if (k.equals("openai-compatible") || k.equals("vllm") || k.equals("openrouter") || k.equals("llamacpp")
                || k.equals("lmstudio")) {
            return OPENAI;
        }
        for (Provider p : values()) {
            if (p.id.equals(k)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown LLM provider '" + s + "'; expected one of "
                + Arrays.stream(values()).map(Provider::id).toList() + " (openai covers vLLM, llama.cpp, LM Studio, OpenRouter)");
    }
}
