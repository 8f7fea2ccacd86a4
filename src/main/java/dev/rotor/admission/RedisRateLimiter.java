package dev.rotor.admission;

import java.util.List;
import java.util.function.LongSupplier;

import dev.rotor.redis.RedisScript;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;

/**
 * GCRA with the count in Redis, shared by every replica: one {@code rate_limit.lua} call
 * per decision, atomic inside Redis, so concurrent requests of one client on different
 * replicas never both take the last slot. Each key expires when its client's allowance is
 * full again, so Redis holds one small key per recently active client and no more.
 *
 * <p>Time comes from the caller's clock as a script argument, not from Redis's {@code TIME}:
 * tests control it, and replicas whose clocks agree (NTP keeps them within milliseconds)
 * decide alike.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisScript SCRIPT = RedisScript.load(RedisRateLimiter.class, "rate_limit.lua");

    private final SharedRedis redis;
    private final RateLimit limit;
    private final LongSupplier microClock;
    private final String keyPrefix;

    /**
     * @param redis      the shared client (circuit included)
     * @param limit      the limit across all replicas
     * @param microClock wall clock in microseconds
     * @param namespace  the service's Redis key prefix ({@code FleetConfig.redisNamespace()}):
     *                   services sharing one Redis keep separate counts
     */
    public RedisRateLimiter(SharedRedis redis, RateLimit limit, LongSupplier microClock, String namespace) {
        this.redis = redis;
        this.limit = limit;
        this.microClock = microClock;
        this.keyPrefix = namespace + "rate:";
    }

    /**
     * @throws RedisUnavailableException when Redis does not answer or the circuit is open
     */
    @Override
    public RateDecision decide(String client) {
        List<String> args = List.of(Long.toString(microClock.getAsLong()),
                                    Long.toString(limit.intervalMicros()),
                                    Long.toString(limit.limit()));
        Object reply = redis.run(SCRIPT, List.of(keyPrefix + client), args);
        List<?> values = (List<?>) reply;
        boolean allowed = ((Long) values.get(0)) == 1L;
        Gcra.Outcome outcome = new Gcra.Outcome(allowed, 0, (Long) values.get(1), (Long) values.get(2),
                                                (Long) values.get(3));
        return RateDecision.of(outcome, limit, RateDecision.Backend.REDIS);
    }
}
