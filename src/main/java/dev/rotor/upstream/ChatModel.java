package dev.rotor.upstream;

import java.util.List;

/**
 * Something that answers a conversation: the OpenAI-compatible upstream or the local echo.
 */
public interface ChatModel {
    /**
     * @param messages the prompt: optional system message, then history, newest last
     * @param budget   bound on the whole call, waiting for a connection included: what is left of
     *                 the request's chat timeout (time spent queued behind the session's earlier
     *                 message is already spent)
     * @param caller   the request's id and trace context, passed on to the upstream
     * @return the assistant's reply
     * @throws dev.rotor.web.ApiException with 502, 503 or 504 when the upstream fails
     */
    ChatReply complete(List<ChatMessage> messages, java.time.Duration budget, Correlation caller);

    /** @return how the model is announced in logs and replies, never with a key */
    String describe();

    /**
     * @param content the assistant's text
     * @param model   the model that wrote it
     */
    record ChatReply(String content, String model) {
    }
}
