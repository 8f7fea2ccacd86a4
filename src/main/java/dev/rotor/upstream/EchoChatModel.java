package dev.rotor.upstream;

import java.util.List;

/**
 * The built-in model used when no chat upstream is configured: it answers with the last user
 * message and how much history it saw, so the whole API works with no account and no network.
 */
public final class EchoChatModel implements ChatModel {
    /** Model name in replies. */
    public static final String NAME = "echo";

    @Override
    public ChatReply complete(List<ChatMessage> messages, java.time.Duration budget, Correlation caller) {
        String last = "";
        for (ChatMessage m : messages) {
            if (ChatMessage.USER.equals(m.role())) {
                last = m.content();
            }
        }
        return new ChatReply("echo: " + last + " (" + messages.size() + " message(s) in context)", NAME);
    }

    @Override
    public String describe() {
        return "built-in echo model (no TOGETHER_API_KEY and no ROTOR_CHAT_BASE_URL: replies are local echoes)";
    }
}
