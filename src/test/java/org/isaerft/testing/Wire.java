package org.isaerft.testing;

import java.util.List;
import mockwebserver3.MockResponse;

/** Real provider wire formats for MockWebServer (bodies as the public APIs document them). */
public final class Wire {
    private Wire() {}

    public static String jsonString(String s) {
        return org.isaerft.util.Json.line(s);
    }

    /** OpenAI /v1/chat/completions answer, optionally with logprobs.content. */
    public static String openAi(String content, int promptTokens, int completionTokens, String logprobsContentJson) {
        return "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1763776000,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + jsonString(content)
                + ",\"refusal\":null},\"logprobs\":" + (logprobsContentJson == null ? "null" : "{\"content\":" + logprobsContentJson + ",\"refusal\":null}")
                + ",\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens) + "},\"system_fingerprint\":\"fp_test\"}";
    }

    public static String openAi(String content, int promptTokens, int completionTokens) {
        return openAi(content, promptTokens, completionTokens, null);
    }

    /** HTTP 200 with an OpenAI chat-completions answer {@code content} and the given token usage. */
    public static MockResponse openAiAnswer(String content, int promptTokens, int completionTokens) {
        return json(200, openAi(content, promptTokens, completionTokens));
    }

    /** One logprobs.content element: token, logprob, and (token, logprob) alternatives. */
    public static String openAiLogprob(String token, double logprob, List<Object[]> top) {
        StringBuilder sb = new StringBuilder("{\"token\":" + jsonString(token) + ",\"logprob\":" + logprob + ",\"bytes\":"
                + bytes(token) + ",\"top_logprobs\":[");
        for (int i = 0; i < top.size(); i++) {
            String t = (String) top.get(i)[0];
            sb.append(i > 0 ? "," : "").append("{\"token\":").append(jsonString(t)).append(",\"logprob\":").append(top.get(i)[1])
                    .append(",\"bytes\":").append(bytes(t)).append("}");
        }
        return sb.append("]}").toString();
    }

    private static String bytes(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < b.length; i++) {
            sb.append(i > 0 ? "," : "").append(b[i] & 0xff);
        }
        return sb.append("]").toString();
    }

    public static String openAiError(String type, String message) {
        return "{\"error\":{\"message\":" + jsonString(message) + ",\"type\":\"" + type + "\",\"param\":null,\"code\":null}}";
    }

    /** Anthropic /v1/messages answer. */
    public static String anthropic(String text, int in, int out) {
        return "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-3-5-haiku-20241022\","
                + "\"content\":[{\"type\":\"text\",\"text\":" + jsonString(text) + "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":" + in + ",\"output_tokens\":" + out + "}}";
    }

    /** Ollama /api/chat answer (stream: false). */
    public static String ollama(String text, int in, int out) {
        return "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-22T02:00:00.000000Z\",\"message\":{\"role\":\"assistant\",\"content\":"
                + jsonString(text) + "},\"done_reason\":\"stop\",\"done\":true,\"total_duration\":4883583458,\"load_duration\":1334875,"
                + "\"prompt_eval_count\":" + in + ",\"prompt_eval_duration\":342546000,\"eval_count\":" + out
                + ",\"eval_duration\":4535599000}";
    }

    public static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
    }

    /** A server that takes the request and never answers (the socket stays open until the server closes). */
    public static MockResponse stall() {
        return new MockResponse.Builder().onResponseStart(mockwebserver3.SocketEffect.Stall.INSTANCE).build();
    }
}
