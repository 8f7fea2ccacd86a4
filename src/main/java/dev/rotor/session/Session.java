package dev.rotor.session;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.rotor.upstream.ChatMessage;

/**
 * An immutable snapshot of one chat session; changes make a new snapshot.
 *
 * @param id       server-made id (32 hex digits)
 * @param system   the optional system prompt
 * @param messages the kept messages, oldest first
 * @param created  when it was made
 * @param lastUsed when it was last read or written
 */
public record Session(String id, Optional<String> system, List<ChatMessage> messages, Instant created, Instant lastUsed) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param id       id
     * @param system   system prompt
     * @param messages messages (copied)
     * @param created  creation time
     * @param lastUsed last use
     */
    public Session {
        messages = List.copyOf(messages);
    }

    /**
     * @param system optional system prompt
     * @param now    creation time
     * @return a new empty session with a fresh random id (128 bits: not guessable)
     */
    static Session create(Optional<String> system, Instant now) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new Session(HexFormat.of().formatHex(bytes), system, List.of(), now, now);
    }

    /**
     * @param added       messages to add at the end
     * @param maxMessages most messages kept; the oldest beyond it are dropped
     * @param now         the new last-used time
     * @return the new snapshot
     */
    Session append(List<ChatMessage> added, int maxMessages, Instant now) {
        List<ChatMessage> all = new ArrayList<>(messages.size() + added.size());
        all.addAll(messages);
        all.addAll(added);
        int from = Math.max(0, all.size() - maxMessages);
        return new Session(id, system, all.subList(from, all.size()), created, now);
    }

    /**
     * @param now the new last-used time
     * @return the same session, used now
     */
    Session touch(Instant now) {
        return new Session(id, system, messages, created, now);
    }

    /**
     * @param next    the message about to be sent
     * @param history most stored-and-new messages to send
     * @return what the chat upstream gets: the system prompt, then the last {@code history}
     *         messages including {@code next}
     */
    public List<ChatMessage> prompt(ChatMessage next, int history) {
        List<ChatMessage> out = new ArrayList<>(history + 1);
        system.ifPresent(s -> out.add(new ChatMessage(ChatMessage.SYSTEM, s)));
        int keep = history - 1;
        out.addAll(messages.subList(Math.max(0, messages.size() - keep), messages.size()));
        out.add(next);
        return out;
    }
}
