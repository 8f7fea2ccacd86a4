package dev.rotor.admission;

import java.time.Duration;
import java.util.Optional;

import dev.rotor.config.Settings;

import io.helidon.http.HeaderName;

/**
 * Admission settings ({@code rotor.admission}).
 *
 * @param maxPayloadSize        largest request body in bytes (413 beyond)
 * @param maxHeaderSize         largest header section in bytes (431 beyond)
 * @param maxPrologueLength     longest request line in bytes (414 beyond)
 * @param maxConcurrentRequests public requests handled at once (503 beyond)
 * @param queueLength           requests that may wait for a permit; 0 = reject at once
 * @param queueTimeout          longest wait in that queue
 * @param rateLimit             per-client rate limit; empty = off
 * @param trustedProxies        peers whose {@code X-Forwarded-For} is believed
 * @param clientIpHeader        header such a peer sets to the client's own address ({@code CF-Connecting-IP}); empty = none
 * @param expectedReplicas      replicas assumed to share the limit until Redis has counted them
 * @param maxTrackedClients     clients the local limiter remembers at once
 * @param rateLimitSlice        most requests of one client a replica leases from Redis at once
 * @param malformedLogInterval  least time between two INFO lines counting malformed requests
 */
public record AdmissionConfig(long maxPayloadSize,
                              int maxHeaderSize,
                              int maxPrologueLength,
                              int maxConcurrentRequests,
                              int queueLength,
                              Duration queueTimeout,
                              Optional<RateLimit> rateLimit,
                              TrustedProxies trustedProxies,
                              Optional<HeaderName> clientIpHeader,
                              int expectedReplicas,
                              int maxTrackedClients,
                              int rateLimitSlice,
                              Duration malformedLogInterval) {
    /**
     * @param s the {@code rotor.admission} node
     * @return validated settings
     */
    public static AdmissionConfig from(Settings s) {
        TrustedProxies trusted = s.parsed("trusted-proxies", TrustedProxies::parse);
        Optional<HeaderName> clientIpHeader = s.parsed("client-ip-header", ClientIpHeader::parse);
        if (clientIpHeader.isPresent() && trusted.isEmpty()) {
            // believed from every peer, the header would let any client choose its own address
            throw s.invalid("client-ip-header", "is believed only from trusted-proxies, and trusted-proxies is empty: "
                    + "set ROTOR_TRUSTED_PROXIES to the proxy that sets the header");
        }
        return new AdmissionConfig(s.number("max-payload-size", 0, 1L << 40),
                                   // below ~1 KiB ordinary browsers' headers no longer fit
                                   s.integer("max-header-size", 1024, 1 << 20),
                                   s.integer("max-prologue-length", 256, 1 << 20),
                                   s.integer("max-concurrent-requests", 1, 100_000),
                                   s.integer("queue-length", 0, 100_000),
                                   s.duration("queue-timeout", Duration.ZERO, Duration.ofMinutes(1)),
                                   s.parsed("rate-limit", text -> RateLimit.parse(text, Settings::parseDuration)),
                                   trusted,
                                   clientIpHeader,
                                   s.integer("expected-replicas", 1, 10_000),
                                   s.integer("max-tracked-clients", 1, 10_000_000),
                                   s.integer("rate-limit-slice", 1, 1_000_000),
                                   s.duration("malformed-log-interval", Duration.ofSeconds(1), Duration.ofDays(1)));
    }

    /**
     * @return the settings as one log line
     */
    public String describe() {
        return "max-payload-size=" + maxPayloadSize + " max-header-size=" + maxHeaderSize
                + " max-prologue-length=" + maxPrologueLength
                + " max-concurrent-requests=" + maxConcurrentRequests + " queue-length=" + queueLength
                + " queue-timeout=" + queueTimeout
                + " rate-limit=" + rateLimit.map(RateLimit::toString).orElse("off")
                + " trusted-proxies=" + trustedProxies
                + " client-ip-header=" + clientIpHeader.map(HeaderName::defaultCase).orElse("(none)")
                + " expected-replicas=" + expectedReplicas
                + " max-tracked-clients=" + maxTrackedClients + " rate-limit-slice=" + rateLimitSlice
                + " malformed-log-interval=" + malformedLogInterval;
    }
}
