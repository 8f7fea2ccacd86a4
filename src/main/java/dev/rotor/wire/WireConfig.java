package dev.rotor.wire;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * Deadlines and bounds on the wire ({@code rotor.wire}).
 *
 * @param headerTimeout     the request line and headers must arrive within it (from accept, or
 *                          from the first byte of a later request on the connection)
 * @param bodyTimeout       the whole body must arrive within it after the headers
 * @param requestTimeout    a request still running past it is answered 504 and released
 * @param stuckLimit        handlers still running past the request timeout that make the replica
 *                          rotate (cause {@code stuck}); 0 = off
 * @param maxConnections    open connections on the public port, as configured (the effective cap
 *                          also respects the process's open-file limit)
 * @param maxBufferedBodies bytes of request bodies held in memory at once, across all requests
 * @param requestIdMaxLength longest {@code X-Request-ID} taken from a client (a longer one is
 *                          replaced by a new id)
 */
public record WireConfig(Duration headerTimeout, Duration bodyTimeout, Duration requestTimeout, int stuckLimit,
                         int maxConnections, long maxBufferedBodies, int requestIdMaxLength) {
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration DAY = Duration.ofDays(1);
    /** What {@code stuck-limit: auto} means: half of the concurrency limit, as gunicorn's worst case is half its workers hung. */
    static final String AUTO = "auto";

    /**
     * @param node                  the {@code rotor.wire} node
     * @param maxConcurrentRequests the admission limit, which {@code stuck-limit: auto} halves
     * @return validated settings
     */
    public static WireConfig from(Settings node, int maxConcurrentRequests) {
        String stuck = node.string("stuck-limit").trim();
        int stuckLimit = AUTO.equalsIgnoreCase(stuck)
                ? Math.max(1, maxConcurrentRequests / 2)
                : node.integer("stuck-limit", 0, 1_000_000);
        return new WireConfig(node.duration("header-timeout", SECOND, DAY),
                              node.duration("body-timeout", SECOND, DAY),
                              node.duration("request-timeout", SECOND, DAY),
                              stuckLimit,
                              node.integer("max-connections", 16, 1_000_000),
                              node.number("max-buffered-bodies", 1024, Long.MAX_VALUE / 2),
                              // a UUID (36) must fit; past 1 KiB an id is a payload, not a name
                              node.integer("request-id-max-length", 36, 1024));
    }

    /** @return one line for the startup log */
    public String describe() {
        return "header-timeout=" + headerTimeout + " body-timeout=" + bodyTimeout + " request-timeout=" + requestTimeout
                + " stuck-limit=" + (stuckLimit == 0 ? "off" : stuckLimit) + " max-buffered-bodies=" + maxBufferedBodies
                + " request-id-max-length=" + requestIdMaxLength;
    }
}
