package dev.rotor.lifecycle;

import java.time.Duration;

import dev.rotor.config.Settings;
import dev.rotor.config.TimeoutChain;

/**
 * Settings of the replica lifecycle ({@code rotor.lifecycle}); its {@code exit-mode} and
 * {@code exit-code} belong to departure ({@code dev.rotor.departure.DepartureConfig}).
 *
 * @param maxRequests         quota centre; 0 = no request rotation
 * @param maxRequestsJitter   spread of the quota
 * @param minLifetime         a quota reached sooner waits until the replica is this old
 * @param drainPeriod         readiness down for at least this long before leaving
 * @param drainTimeout        hard bound on a drain, in-flight requests included
 * @param shutdownDrainPeriod readiness down for at least this long after SIGTERM
 * @param maxLifetime         age at which a replica rotates; zero = off
 * @param maxLifetimeJitter   spread of the drawn lifetime
 * @param rotationCeiling     factor past quota or lifetime at which a replica rotates without a fleet slot
 * @param maxHeapAfterGc      old-generation fraction after GC that triggers rotation; 0 = off
 * @param heapCollections     collections in a row above {@code maxHeapAfterGc} before it triggers
 * @param maxContainerMemory  container working-set fraction of its limit that triggers rotation; 0 = off
 * @param cgroupPath          where the container's cgroup files are
 */
public record LifecycleConfig(long maxRequests,
                              long maxRequestsJitter,
                              Duration minLifetime,
                              Duration drainPeriod,
                              Duration drainTimeout,
                              Duration shutdownDrainPeriod,
                              Duration maxLifetime,
                              Duration maxLifetimeJitter,
                              double rotationCeiling,
                              double maxHeapAfterGc,
                              int heapCollections,
                              double maxContainerMemory,
                              java.nio.file.Path cgroupPath) {
    private static final long MAX_QUOTA = 100_000_000L;
    private static final Duration MAX_DURATION = Duration.ofDays(30);

    /**
     * @param s the {@code rotor.lifecycle} node
     * @return validated settings
     */
    public static LifecycleConfig from(Settings s) {
        long max = s.number("max-requests", 0, MAX_QUOTA);
        long jitter = s.number("max-requests-jitter", 0, MAX_QUOTA);
        if (max > 0 && jitter > max) {
            // refused, not clamped: the spread would be cut at 1, so the quota would no longer
            // centre on max-requests, and a small quota left with the default jitter (5 ± 200)
            // would not rotate when its operator expects it to; a WARN in a replica's log is
            // easy to miss, a refusal at startup is not, and its fix is one variable
            throw s.invalid("max-requests-jitter", "must not be larger than " + s.name("max-requests") + " = " + max
                    + " (the quota is drawn from max-requests ± jitter and cannot go below 1): set it to at most "
                    + max + ", or to 0 for a quota of exactly " + max);
        }
        Duration drainPeriod = s.duration("drain-period", Duration.ZERO, Duration.ofHours(1));
        Duration drainTimeout = s.duration("drain-timeout", Duration.ZERO, Duration.ofHours(1));
        Duration shutdownDrain = s.duration("shutdown-drain-period", Duration.ZERO, Duration.ofHours(1));
        if (drainTimeout.compareTo(drainPeriod) < 0) {
            throw s.invalid("drain-timeout", "must not be shorter than drain-period (" + drainPeriod + ")");
        }
        if (drainTimeout.compareTo(shutdownDrain) < 0) {
            throw s.invalid("drain-timeout", "must not be shorter than shutdown-drain-period (" + shutdownDrain + ")");
        }
        // the drain against what a request may take and the layers around the replica: a rule
        // across features, checked with the drain because the drain is what would cut
        TimeoutChain.from(s.parent());
        return new LifecycleConfig(max,
                                   jitter,
                                   s.duration("min-lifetime", Duration.ZERO, MAX_DURATION),
                                   drainPeriod,
                                   drainTimeout,
                                   shutdownDrain,
                                   s.duration("max-lifetime", Duration.ZERO, MAX_DURATION),
                                   s.duration("max-lifetime-jitter", Duration.ZERO, MAX_DURATION),
                                   s.decimal("rotation-ceiling", 1.0, 100.0),
                                   s.fraction("max-heap-after-gc"),
                                   s.integer("heap-after-gc-collections", 1, 100),
                                   s.fraction("max-container-memory"),
                                   java.nio.file.Path.of(s.string("cgroup-path")));
    }

    /**
     * Settings with every optional trigger off, for tests and tools.
     *
     * @param maxRequests  quota centre
     * @param jitter       quota spread
     * @param minLifetime  minimum lifetime
     * @param drainPeriod  drain period
     * @param drainTimeout drain timeout
     * @return settings
     */
    public static LifecycleConfig basic(long maxRequests, long jitter, Duration minLifetime, Duration drainPeriod,
                                        Duration drainTimeout) {
        return new LifecycleConfig(maxRequests, jitter, minLifetime, drainPeriod, drainTimeout, Duration.ofSeconds(2),
                                   Duration.ZERO, Duration.ZERO, 1.5, 0, 3, 0,
                                   java.nio.file.Path.of("/sys/fs/cgroup"));
    }

    /**
     * @return the quota range as operators read it, e.g. {@code 800 ± 200}
     */
    public String quotaRange() {
        return maxRequests == 0 ? "off" : maxRequests + " ± " + maxRequestsJitter;
    }
}
