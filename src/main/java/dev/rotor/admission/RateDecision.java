package dev.rotor.admission;

import java.time.Duration;

/**
 * One rate-limit decision, as a value: everything a response needs, allowed or not.
 *
 * @param allowed    whether the request may proceed
 * @param limit      requests per window that applied (the replica's share when local)
 * @param remaining  requests the client may still make at once
 * @param reset      until the client's full allowance is back
 * @param retryAfter until the next request would be allowed; zero when allowed
 * @param backend    which limiter decided
 */
public record RateDecision(boolean allowed, long limit, long remaining, Duration reset, Duration retryAfter,
                           Backend backend) {
    /** Which limiter decided. */
    public enum Backend {
        /** The shared count in Redis. */
        REDIS,
        /** This replica's own count, at its share of the limit. */
        LOCAL
    }

    /**
     * Build a decision from the algorithm's microsecond results.
     *
     * @param outcome the algorithm's result
     * @param limit   the limit that applied
     * @param backend who decided
     * @return the decision
     */
    static RateDecision of(Gcra.Outcome outcome, RateLimit limit, Backend backend) {
        return new RateDecision(outcome.allowed(), limit.limit(), outcome.remaining(),
                                Duration.ofNanos(outcome.resetMicros() * 1000),
                                Duration.ofNanos(outcome.retryAfterMicros() * 1000), backend);
    }
}
