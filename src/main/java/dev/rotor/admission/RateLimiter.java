package dev.rotor.admission;

/**
 * Decides whether one client may make one more request. Implementations: {@link
 * LocalRateLimiter} (this replica's memory), {@link RedisRateLimiter} (one count shared by
 * all replicas) and {@link SharedRateLimiter} (Redis while it answers, else local).
 */
public interface RateLimiter {
    /**
     * Count one request of a client and decide.
     *
     * @param client the client's key ({@link ClientIdentity#key})
     * @return the decision
     */
    RateDecision decide(String client);
}
