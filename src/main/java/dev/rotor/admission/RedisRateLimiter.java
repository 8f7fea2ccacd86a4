package dev.rotor.admission;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import dev.rotor.redis.CircuitState;
import dev.rotor.redis.RedisScript;
import dev.rotor.redis.SharedRedis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * GCRA with the count in Redis, shared by every replica, spent through leases. A replica takes
 * a slice of a client's allowance from Redis with one {@code rate_lease.lua} call (atomic, so
 * two replicas never both take the last request) and spends it in memory, one request per
 * decision; only when the slice is spent, or nearly (a quarter left, for slices of 4 or more),
 * does it ask for the next one. A client's requests then cost one round trip per slice instead
 * of one per request.
 *
 * <p>The bound: at any instant each replica holds at most one slice of a client unspent, so in
 * any span of time a client gets at most what one shared GCRA would allow it plus the slices
 * the replicas held when the span began: {@code N x slice} more over N replicas. Over any span
 * that starts from a quiet client it gets no more than the shared GCRA at all (every request was
 * counted in Redis when its slice was granted). A slice left on a replica that the client no
 * longer reaches is not given back: the client loses at most that slice of its burst, which
 * returns within {@code slice x window / limit}.
 *
 * <p>Waiting: a decision waits for Redis at most {@code wait} (the reply timeout), counted from
 * its own start, whoever started the lease call; lease calls run on {@code calls}, never on the
 * request's thread, so a slow call holds only the requests of its own client, and those no
 * longer than {@code wait}. Past it the decision is {@link Undecided} and the caller decides
 * locally. While a lease call is overdue no other one starts (every client is decided locally
 * until it returns or fails): a frozen Redis gets one call at a time from a replica, not one per
 * client. A rejection is remembered until the request it names would be allowed, so a client
 * over its limit costs no round trips either.
 *
 * <p>Time comes from the caller's clock as a script argument, not from Redis's {@code TIME}:
 * tests control it, and replicas whose clocks agree (NTP keeps them within milliseconds) decide
 * alike.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisScript SCRIPT = RedisScript.load(RedisRateLimiter.class, "rate_lease.lua");
    /** While the circuit is open, how often a lease call is still started (it meets the circuit's probe). */
    private static final Duration OPEN_RETRY = Duration.ofMillis(50);

    /** No decision within the wait: Redis is slow, failing, or a lease call is overdue. Cheap: no stack trace. */
    public static final class Undecided extends RuntimeException {
        Undecided(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** Shared and stackless: thrown per request while Redis is known to be away, so it must cost nothing. */
    private static final Undecided NOT_NOW = new Undecided("Redis is away (circuit open, or a lease call overdue); "
                                                                   + "deciding locally", null);

    /** One client's lease on this replica; every field is guarded by {@code lock}. */
    private static final class Lease {
        final ReentrantLock lock = new ReentrantLock();
        long tokens;
        long redisRemaining;
        /** Redis's tat after the latest call, in microseconds: every granted request counted. */
        long tat;
        /** A grant of nothing holds until then (microseconds). */
        long rejectedUntil;
        CompletableFuture<Void> refill;
    }

    private final SharedRedis redis;
    private final RateLimit limit;
    private final LongSupplier microClock;
    private final String keyPrefix;
    private final IntSupplier slice;
    private final long waitNanos;
    private final Executor calls;
    private final Cache<String, Lease> leases;
    private final AtomicReference<CompletableFuture<Void>> overdue = new AtomicReference<>();
    private final AtomicLong nextCallWhileOpen = new AtomicLong(System.nanoTime());
    private final LongAdder leaseCalls = new LongAdder();

    /**
     * @param redis      the shared client (circuit included)
     * @param limit      the limit across all replicas
     * @param microClock wall clock in microseconds
     * @param namespace  the service's Redis key prefix ({@code FleetConfig.redisNamespace()}):
     *                   services sharing one Redis keep separate counts
     * @param slice      most requests of one client leased at once, read per lease call (it follows
     *                   the live replica count: {@link RateLimit#slice})
     * @param wait       longest a decision waits for Redis (the reply timeout)
     * @param maxClients most clients with a lease at once (least recently seen forgotten first,
     *                   with what they held)
     * @param calls      where lease calls run (a virtual thread each in production)
     */
    public RedisRateLimiter(SharedRedis redis, RateLimit limit, LongSupplier microClock, String namespace,
                            IntSupplier slice, Duration wait, int maxClients, Executor calls) {
        this.redis = redis;
        this.limit = limit;
        this.microClock = microClock;
        this.keyPrefix = namespace + "rate:";
        this.slice = slice;
        this.waitNanos = wait.toNanos();
        this.calls = calls;
        this.leases = Caffeine.newBuilder()
                .maximumSize(maxClients)
                // an idle lease is dropped with what it held: at most one slice the client lacks
                .expireAfterAccess(limit.window())
                .executor(Runnable::run)
                .build();
    }

    /**
     * @throws dev.rotor.redis.RedisUnavailableException when Redis failed or the circuit is open
     * @throws Undecided                                 when Redis did not answer within the wait
     */
    @Override
    public RateDecision decide(String client) {
        long deadline = System.nanoTime() + waitNanos;
        Lease lease = leases.get(client, k -> new Lease());
        while (true) {
            CompletableFuture<Void> pending;
            lease.lock.lock();
            try {
                long now = microClock.getAsLong();
                int size = slice.getAsInt();
                if (lease.tokens > 0) {
                    lease.tokens--;
                    if (lease.tokens < size / 4 && lease.refill == null) {
                        // ask for the next slice while this one lasts; never hold more than one slice
                        startLease(client, lease, (int) (size - lease.tokens));
                    }
                    long effectiveTat = lease.tat - lease.tokens * limit.intervalMicros();
                    return RateDecision.of(new Gcra.Outcome(true, effectiveTat, lease.redisRemaining + lease.tokens,
                                                            Math.max(0, effectiveTat - now), 0),
                                           limit, RateDecision.Backend.REDIS);
                }
                if (now < lease.rejectedUntil) {
                    return RateDecision.of(new Gcra.Outcome(false, lease.tat, 0, Math.max(0, lease.tat - now),
                                                            lease.rejectedUntil - now),
                                           limit, RateDecision.Backend.REDIS);
                }
                pending = lease.refill != null ? lease.refill : startLease(client, lease, size);
            } finally {
                lease.lock.unlock();
            }
            if (pending == null) {
                throw NOT_NOW;
            }
            await(pending, deadline);
        }
    }

    /** @return lease calls made so far (each one round trip to Redis) */
    public long leaseCalls() {
        return leaseCalls.sum();
    }

    private void await(CompletableFuture<Void> pending, long deadline) {
        try {
            pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            overdue.set(pending);
            throw new Undecided("Redis granted no lease within " + Duration.ofNanos(waitNanos), null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new Undecided("lease call failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Undecided("interrupted while waiting for a lease", e);
        }
    }

    /**
     * Called with the lease's lock held.
     *
     * @return the call, or null when none is made now: another call is overdue, or the Redis
     *         circuit is open (then one call per {@link #OPEN_RETRY} still goes, so that the
     *         circuit's probe can happen and find Redis back)
     */
    private CompletableFuture<Void> startLease(String client, Lease lease, int want) {
        CompletableFuture<Void> late = overdue.get();
        if (late != null && !late.isDone()) {
            return null;
        }
        if (redis.circuit().state() == CircuitState.OPEN) {
            long t = System.nanoTime();
            long next = nextCallWhileOpen.get();
            if (t - next < 0 || !nextCallWhileOpen.compareAndSet(next, t + OPEN_RETRY.toNanos())) {
                return null;
            }
        }
        CompletableFuture<Void> call = new CompletableFuture<>();
        lease.refill = call;
        List<String> keys = List.of(keyPrefix + client);
        calls.execute(() -> {
            long now = microClock.getAsLong();
            Object reply = null;
            RuntimeException failure = null;
            leaseCalls.increment();
            try {
                reply = redis.run(SCRIPT, keys, List.of(Long.toString(now), Long.toString(limit.intervalMicros()),
                                                        Long.toString(limit.limit()), Long.toString(want)));
            } catch (RuntimeException e) {
                failure = e;
            }
            lease.lock.lock();
            try {
                lease.refill = null;
                if (failure == null) {
                    List<?> values = (List<?>) reply;
                    long granted = (Long) values.get(0);
                    lease.redisRemaining = (Long) values.get(1);
                    lease.tat = now + (Long) values.get(2);
                    if (granted > 0) {
                        lease.tokens += granted;
                        lease.rejectedUntil = 0;
                    } else {
                        lease.rejectedUntil = now + (Long) values.get(3);
                    }
                }
            } finally {
                lease.lock.unlock();
            }
            if (failure == null) {
                call.complete(null);
            } else {
                call.completeExceptionally(failure);
            }
        });
        return call;
    }
}
