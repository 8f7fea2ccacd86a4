package dev.rotor.admission;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import dev.rotor.redis.RedisUnavailableException;

/**
 * The rate limiter requests meet: Redis while it answers, else this replica's local limiter
 * at its share of the limit ({@code limit / replicas}). A Redis failure is never the
 * client's problem: the request that met it (or waited the reply timeout for it) is decided locally, and once the Redis circuit
 * opens no request waits on Redis at all. The circuit's half-open probe finds Redis again
 * and decisions go back to it by themselves. One log line per switch, never per request.
 */
public final class SharedRateLimiter implements RateLimiter {
    private static final System.Logger LOG = System.getLogger(SharedRateLimiter.class.getName());

    private final Optional<RedisRateLimiter> redis;
    private final LocalRateLimiter local;
    private final AtomicReference<RateDecision.Backend> lastBackend;
    private final LongAdder[] counts = new LongAdder[4];

    /**
     * @param redis the shared limiter, when there is Redis
     * @param local the fallback, at the replica's share
     */
    public SharedRateLimiter(Optional<RedisRateLimiter> redis, LocalRateLimiter local) {
        this.redis = redis;
        this.local = local;
        this.lastBackend = new AtomicReference<>(redis.isPresent() ? RateDecision.Backend.REDIS : RateDecision.Backend.LOCAL);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    @Override
    public RateDecision decide(String client) {
        RateDecision decision;
        if (redis.isPresent()) {
            try {
                decision = redis.get().decide(client);
            } catch (RedisUnavailableException | RedisRateLimiter.Undecided e) {
                decision = local.decide(client);
                switched(RateDecision.Backend.LOCAL, e.getMessage());
                return counted(decision);
            }
            switched(RateDecision.Backend.REDIS, null);
            return counted(decision);
        }
        return counted(local.decide(client));
    }

    /**
     * @param allowed whether allowed
     * @param backend which limiter
     * @return decisions so far with that result and backend
     */
    public long decisions(boolean allowed, RateDecision.Backend backend) {
        return counts[index(allowed, backend)].sum();
    }

    /** @return lease calls to Redis so far (0 without Redis) */
    public long leaseCalls() {
        return redis.map(RedisRateLimiter::leaseCalls).orElse(0L);
    }

    /** @return decisions that waited for a lease call (0 without Redis) */
    public long leaseWaits() {
        return redis.map(RedisRateLimiter::waits).orElse(0L);
    }

    /** @return the local limiter (for its meters) */
    public LocalRateLimiter local() {
        return local;
    }

    /** @return the limiter deciding right now */
    public RateDecision.Backend backend() {
        return lastBackend.get();
    }

    private RateDecision counted(RateDecision d) {
        counts[index(d.allowed(), d.backend())].increment();
        return d;
    }

    private void switched(RateDecision.Backend now, String why) {
        // read first: a write per request would bounce this field between cores
        if (lastBackend.get() != now && lastBackend.getAndSet(now) != now) {
            if (now == RateDecision.Backend.LOCAL) {
                LOG.log(Level.WARNING, "rate limit: Redis unavailable (" + why + "); deciding locally at this replica's share");
            } else {
                LOG.log(Level.INFO, "rate limit: Redis answers again; the shared limit applies");
            }
        }
    }

    private static int index(boolean allowed, RateDecision.Backend backend) {
        return (allowed ? 0 : 1) + (backend == RateDecision.Backend.REDIS ? 0 : 2);
    }
}
