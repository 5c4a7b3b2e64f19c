package org.isaerft.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One chat message as isaerft sends it: a role and plain text. Kept provider-neutral so the
 * cache key is the exact rendered conversation.
 */
public record Message(Role role, String text) {
    /** Who speaks. */
    public enum Role {
        system, user, assistant
    }

    public Message {
        if (role == null || text == null) {
            throw new IllegalArgumentException("message needs a role and text");
        }
    }

    public static Message system(String text) {
        return new Message(Role.system, text);
    }

    public static Message user(String text) {
        return new Message(Role.user, text);
    }

    public static Message assistant(String text) {
        return new Message(Role.assistant, text);
    }

    /** The LangChain4j form. */
    public ChatMessage toChatMessage() {
        return switch (role) {
            case system -> SystemMessage.from(text);
            case user -> UserMessage.from(text);
            case assistant -> AiMessage.from(text);
        };
    }

    public static List<ChatMessage> toChatMessages(List<Message> messages) {
        return messages.stream().map(Message::toChatMessage).toList();
    }

    /** Converts text-only LangChain4j messages (system, user, AI) to this form. */
    public static Message of(ChatMessage m) {
        if (m instanceof SystemMessage s) {
            return system(s.text());
        }
        if (m instanceof UserMessage u && u.hasSingleText()) {
            return user(u.singleText());
        }
        if (m instanceof AiMessage a && a.text() != null && !a.hasToolExecutionRequests()) {
            return assistant(a.text());
        }
        throw new IllegalArgumentException("only text system/user/assistant messages are supported, found " + m.type());
    }

    /**
     * The full conversation a prompt file describes: system (if any), each few-shot pair as a user
     * and an assistant message, then the rendered user template.
     */
    public static List<Message> render(Prompt prompt, Map<String, ?> vars) {
        List<Message> out = new ArrayList<>();
        String sys = prompt.renderSystem(vars);
        if (sys != null && !sys.isBlank()) {
            out.add(system(sys));
        }
        for (Prompt.Shot shot : prompt.fewShot()) {
            out.add(user(shot.user()));
            out.add(assistant(shot.assistant()));
        }
        out.add(user(prompt.renderUser(vars)));
        return out;
    }

    /** A readable dump of a conversation (for golden files and debugging). */
    public static String transcript(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append("=== ").append(m.role()).append(" ===\n").append(m.text());
            if (!m.text().endsWith("\n")) {
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
