package dev.rotor.session;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * Session settings ({@code rotor.session}).
 *
 * @param maxActive       most sessions held in memory; the least recently used go first
 * @param idleTtl         a session unused this long expires, in memory and in Redis
 * @param history         most stored messages sent to the chat upstream with a new one
 * @param maxMessages     most messages a session keeps; older ones are dropped
 * @param maxMessageChars longest message content (and system prompt), in characters
 * @param flushTimeout    bound on writing what Redis lacks when the replica leaves
 * @param cacheLag        with Redis, a session in memory is served without asking Redis while
 *                        this replica has heard from Redis's invalidation channel within this
 *                        lag; zero: every read asks Redis
 * @param touchPeriod     with Redis, last uses of sessions read are written in one batch this often
 */
public record SessionConfig(int maxActive,
                            Duration idleTtl,
                            int history,
                            int maxMessages,
                            int maxMessageChars,
                            Duration flushTimeout,
                            Duration cacheLag,
                            Duration touchPeriod) {
    /**
     * @param s the {@code rotor.session} node
     * @return validated settings
     */
    public static SessionConfig from(Settings s) {
        int maxMessages = s.integer("max-messages", 2, 10_000);
        int history = s.integer("history", 1, 10_000);
        if (history > maxMessages) {
            throw s.invalid("history", "must not exceed max-messages (" + maxMessages + "): a session keeps no more");
        }
        Duration idleTtl = s.duration("idle-ttl", Duration.ofSeconds(1), Duration.ofDays(30));
        Duration touchPeriod = s.duration("touch-period", Duration.ofMillis(10), Duration.ofHours(1));
        if (touchPeriod.compareTo(idleTtl.dividedBy(2)) > 0) {
            throw s.invalid("touch-period", "must be at most half of idle-ttl (" + idleTtl
                    + "): a session read only from memory would expire in Redis before its last use is written");
        }
        return new SessionConfig(s.integer("max-active", 1, 10_000_000),
                                 idleTtl,
                                 history,
                                 maxMessages,
                                 s.integer("max-message-chars", 1, 1_000_000),
                                 s.duration("flush-timeout", Duration.ZERO, Duration.ofMinutes(5)),
                                 s.duration("cache-lag", Duration.ZERO, Duration.ofSeconds(10)),
                                 touchPeriod);
    }

    /**
     * @return the most bytes a JSON body with one full-length field can take: six bytes per
     *         character (a {@code \\uXXXX} escape) plus room for the rest of the object
     */
    public int maxBodyBytes() {
        return (int) Math.min(Integer.MAX_VALUE - 8, 6L * maxMessageChars + 4096);
    }
}
