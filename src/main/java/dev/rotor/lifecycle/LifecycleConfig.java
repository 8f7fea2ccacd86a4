package dev.rotor.lifecycle;

import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * Settings of the replica lifecycle ({@code rotor.lifecycle}).
 *
 * @param maxRequests         quota centre; 0 = no request rotation
 * @param maxRequestsJitter   spread of the quota
 * @param minLifetime         a quota reached sooner waits until the replica is this old
 * @param drainPeriod         readiness down for at least this long before leaving
 * @param drainTimeout        hard bound on a drain, in-flight requests included
 * @param shutdownDrainPeriod readiness down for at least this long after SIGTERM
 * @param exitMode            how an expired replica leaves
 * @param exitCode            process status in {@link ExitMode#EXIT}
 */
public record LifecycleConfig(long maxRequests,
                              long maxRequestsJitter,
                              Duration minLifetime,
                              Duration drainPeriod,
                              Duration drainTimeout,
                              Duration shutdownDrainPeriod,
                              ExitMode exitMode,
                              int exitCode) {
    private static final long MAX_QUOTA = 100_000_000L;
    private static final Duration MAX_DURATION = Duration.ofDays(30);

    /**
     * @param s the {@code rotor.lifecycle} node
     * @return validated settings
     */
    public static LifecycleConfig from(Settings s) {
        long max = s.number("max-requests", 0, MAX_QUOTA);
        long jitter = s.number("max-requests-jitter", 0, MAX_QUOTA);
        Duration drainPeriod = s.duration("drain-period", Duration.ZERO, Duration.ofHours(1));
        Duration drainTimeout = s.duration("drain-timeout", Duration.ZERO, Duration.ofHours(1));
        Duration shutdownDrain = s.duration("shutdown-drain-period", Duration.ZERO, Duration.ofHours(1));
        if (drainTimeout.compareTo(drainPeriod) < 0) {
            throw s.invalid("drain-timeout", "must not be shorter than drain-period (" + drainPeriod + ")");
        }
        if (drainTimeout.compareTo(shutdownDrain) < 0) {
            throw s.invalid("drain-timeout", "must not be shorter than shutdown-drain-period (" + shutdownDrain + ")");
        }
        return new LifecycleConfig(max,
                                   jitter,
                                   s.duration("min-lifetime", Duration.ZERO, MAX_DURATION),
                                   drainPeriod,
                                   drainTimeout,
                                   shutdownDrain,
                                   s.choice("exit-mode", ExitMode.class),
                                   s.integer("exit-code", 0, 255));
    }

    /**
     * @return the quota range as operators read it, e.g. {@code 800 ± 200}
     */
    public String quotaRange() {
        return maxRequests == 0 ? "off" : maxRequests + " ± " + maxRequestsJitter;
    }
}
