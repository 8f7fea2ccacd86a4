package dev.rotor.upstream;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * The shared outbound HTTP client's bounds ({@code rotor.outbound}); the Python stack's httpx
 * client had {@code max_connections=100, max_keepalive_connections=20}.
 *
 * @param maxConnections   hard cap on connections open at once, to all upstreams together
 * @param maxKeepAlive     most idle connections kept for reuse (never more than maxConnections)
 * @param keepAliveIdle    an idle kept connection is closed after this long
 * @param connectTimeout   bound on opening a connection, and on waiting for a free one
 * @param readTimeout      default bound on one whole call when the upstream has none of its own
 * @param maxResponseBytes largest upstream response body read
 */
public record OutboundConfig(int maxConnections,
                             int maxKeepAlive,
                             Duration keepAliveIdle,
                             Duration connectTimeout,
                             Duration readTimeout,
                             int maxResponseBytes) {
    /**
     * @param s the {@code rotor.outbound} node
     * @return validated settings
     */
    public static OutboundConfig from(Settings s) {
        int max = s.integer("max-connections", 1, 10_000);
        // a kept-alive connection is one of the open ones: a smaller cap lowers it too
        int keep = Math.min(max, s.integer("max-keepalive", 0, 10_000));
        return new OutboundConfig(max,
                                  keep,
                                  s.duration("keepalive-idle", Duration.ofMillis(100), Duration.ofHours(1)),
                                  s.duration("connect-timeout", Duration.ofMillis(1), Duration.ofMinutes(1)),
                                  s.duration("read-timeout", Duration.ofMillis(1), Duration.ofMinutes(10)),
                                  s.integer("max-response-bytes", 1024, 256 * 1024 * 1024));
    }
}
