package dev.rotor.fleet;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * Fleet-wide rotation coordination and the leak report ({@code rotor.fleet}).
 *
 * @param serviceName            replicas of one service share rotation slots under this name
 * @param maxConcurrentRotations slots: replicas of the service draining at once (0 = no lease)
 * @param leaseTtl               a slot frees itself this long after it was taken (its holder may have died)
 * @param leaseRetry             how often a replica waiting for a slot asks again
 * @param leaseHold              how long a leaving replica keeps its slot (its replacement starting)
 * @param leakReport             whether to take class histograms for the leak report
 * @param leakReportWarmup       when after serving begins the baseline histogram is taken
 * @param leakReportTop          classes named in the report
 * @param leaseOutageWait        with Redis unreachable, how long a replica whose trigger fired keeps serving
 *                               for Redis to return (a Sentinel failover takes seconds) before rotating
 *                               on the quota's jitter alone
 */
public record FleetConfig(String serviceName,
                          int maxConcurrentRotations,
                          Duration leaseTtl,
                          Duration leaseRetry,
                          Duration leaseHold,
                          boolean leakReport,
                          Duration leakReportWarmup,
                          int leakReportTop,
                          Duration leaseOutageWait) {
    /**
     * Settings that rotate at once when Redis is unreachable (no outage wait).
     *
     * @param serviceName            service name
     * @param maxConcurrentRotations slots
     * @param leaseTtl               slot expiry
     * @param leaseRetry             how often a waiting replica asks again
     * @param leaseHold              how long a leaving replica keeps its slot
     * @param leakReport             whether to take class histograms
     * @param leakReportWarmup       when the baseline histogram is taken
     * @param leakReportTop          classes named in the report
     */
    public FleetConfig(String serviceName, int maxConcurrentRotations, Duration leaseTtl, Duration leaseRetry,
                       Duration leaseHold, boolean leakReport, Duration leakReportWarmup, int leakReportTop) {
        this(serviceName, maxConcurrentRotations, leaseTtl, leaseRetry, leaseHold, leakReport, leakReportWarmup,
             leakReportTop, Duration.ZERO);
    }

    /**
     * @return the prefix of every Redis key the service's replicas share, {@code rotor:<service-name>:}
     *         (rotation slots, rate-limit counts, the replica count, sessions)
     */
    public String redisNamespace() {
        return "rotor:" + serviceName + ":";
    }

    /**
     * @param s the {@code rotor.fleet} node
     * @return validated settings
     */
    public static FleetConfig from(Settings s) {
        String name = s.string("service-name").trim();
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw s.invalid("service-name", "must be 1 to 64 letters, digits, dots, dashes or underscores");
        }
        return new FleetConfig(name,
                               s.integer("max-concurrent-rotations", 0, 1000),
                               s.duration("lease-ttl", Duration.ofSeconds(1), Duration.ofHours(1)),
                               s.duration("lease-retry", Duration.ofMillis(50), Duration.ofMinutes(1)),
                               s.duration("lease-hold", Duration.ZERO, Duration.ofMinutes(10)),
                               s.bool("leak-report"),
                               s.duration("leak-report-warmup", Duration.ZERO, Duration.ofHours(24)),
                               s.integer("leak-report-top", 1, 100),
                               s.duration("lease-outage-wait", Duration.ZERO, Duration.ofMinutes(10)));
    }
}
