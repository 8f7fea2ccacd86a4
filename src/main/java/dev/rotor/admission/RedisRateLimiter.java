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
 * decision; when half the slice is spent (for slices of 2 or more) it asks for what it lacks of
 * a whole slice in the background, so that a busy client rarely waits. A client's requests then
 * cost one round trip per half slice instead of one per request.
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
 * client. While the Redis circuit is open no decision waits at all. A rejection is remembered
 * until the request it names would be allowed, so a client over its limit costs no round trips
 * either.
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

    /**
     * What one client's lease holds, replaced whole (one compare-and-set per request), so that a
     * decision's numbers always come from one moment.
     *
     * @param tokens         granted requests not yet spent
     * @param redisRemaining remaining in Redis after the latest call (for the header)
     * @param tat            Redis's tat after the latest call, in microseconds: every granted request counted
     * @param rejectedUntil  a grant of nothing holds until then (microseconds)
     */
    private record Held(long tokens, long redisRemaining, long tat, long rejectedUntil) {
    }

    /**
     * One client's lease on this replica. Lock-free: every request of a busy client passes here
     * (all of a load balancer's traffic is often one client), and a lock would park them in turn.
     */
    private static final class Lease {
        final AtomicReference<Held> held = new AtomicReference<>(new Held(0, 0, 0, 0));
        /** The call in flight, at most one. */
        final AtomicReference<CompletableFuture<Void>> refill = new AtomicReference<>();
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
    private final LongAdder waits = new LongAdder();

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
     * @throws dev.rotor.redis.RedisUnavailableException when Redis failed
     * @throws Undecided                                 when Redis did not answer within the wait,
     *                                                   or is known to be away
     */
    @Override
    public RateDecision decide(String client) {
        // Redis known to be away: not even the lease is looked up, except by the one decision per
        // OPEN_RETRY whose lease call may meet the circuit's probe
        boolean probeTurn = false;
        if (redis.circuit().state() == CircuitState.OPEN) {
            if (!mayCall()) {
                throw NOT_NOW;
            }
            probeTurn = true;
        }
        long deadline = System.nanoTime() + waitNanos;
        Lease lease = leases.get(client, k -> new Lease());
        boolean waited = false;
        while (true) {
            int size = slice.getAsInt();
            Held held = lease.held.get();
            if (held.tokens() > 0) {
                Held after = new Held(held.tokens() - 1, held.redisRemaining(), held.tat(), held.rejectedUntil());
                if (!lease.held.compareAndSet(held, after)) {
                    continue;
                }
                if (after.tokens() < size / 2 && lease.refill.get() == null && mayCall()) {
                    startLease(client, lease, size); // the next slice, while this one lasts
                }
                long now = microClock.getAsLong();
                long effectiveTat = after.tat() - after.tokens() * limit.intervalMicros();
                return RateDecision.of(new Gcra.Outcome(true, effectiveTat, after.redisRemaining() + after.tokens(),
                                                        Math.max(0, effectiveTat - now), 0),
                                       limit, RateDecision.Backend.REDIS);
            }
            long now = microClock.getAsLong();
            if (now < held.rejectedUntil()) {
                return RateDecision.of(new Gcra.Outcome(false, held.tat(), 0, Math.max(0, held.tat() - now),
                                                        held.rejectedUntil() - now),
                                       limit, RateDecision.Backend.REDIS);
            }
            CompletableFuture<Void> pending = lease.refill.get();
            if (pending == null) {
                if (!probeTurn && !mayCall()) {
                    throw NOT_NOW;
                }
                probeTurn = false; // used: a second call needs a turn of its own
                pending = startLease(client, lease, size);
                if (pending == null) {
                    continue; // another request's call ended between two looks: look again
                }
            }
            if (redis.circuit().state() == CircuitState.OPEN) {
                // while the circuit is open no request waits on Redis, not even for the call that
                // meets the circuit's probe: its answer serves the requests after it
                throw NOT_NOW;
            }
            if (!waited) {
                waits.increment();
                waited = true;
            }
            await(pending, deadline);
        }
    }

    /** @return lease calls made so far (each one round trip to Redis) */
    public long leaseCalls() {
        return leaseCalls.sum();
    }

    /** @return times a decision found its client's lease empty and waited for a lease call */
    public long waits() {
        return waits.sum();
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
     * @return whether a lease call may start now: none is overdue, and the Redis circuit is not
     *         open (while it is, one call per {@link #OPEN_RETRY} still goes, so that the circuit's
     *         probe can happen and find Redis back)
     */
    private boolean mayCall() {
        CompletableFuture<Void> late = overdue.get();
        if (late != null && !late.isDone()) {
            return false;
        }
        if (redis.circuit().state() == CircuitState.OPEN) {
            long t = System.nanoTime();
            long next = nextCallWhileOpen.get();
            return t - next >= 0 && nextCallWhileOpen.compareAndSet(next, t + OPEN_RETRY.toNanos());
        }
        return true;
    }

    /**
     * Start the client's lease call for what it lacks of a whole slice, unless one is in flight.
     *
     * @return the call in flight (this one or another request's); null when another request's
     *         call ended between the two looks
     */
    private CompletableFuture<Void> startLease(String client, Lease lease, int size) {
        CompletableFuture<Void> call = new CompletableFuture<>();
        if (!lease.refill.compareAndSet(null, call)) {
            return lease.refill.get();
        }
        // no other call can grant until this one ends, so the lease never holds more than a slice
        long want = size - lease.held.get().tokens();
        if (want < 1) {
            lease.refill.set(null);
            call.complete(null);
            return call;
        }
        List<String> keys = List.of(keyPrefix + client);
        calls.execute(() -> {
            long now = microClock.getAsLong();
            RuntimeException failure = null;
            leaseCalls.increment();
            try {
                List<?> values = (List<?>) redis.run(SCRIPT, keys, List.of(Long.toString(now),
                                                                           Long.toString(limit.intervalMicros()),
                                                                           Long.toString(limit.limit()),
                                                                           Long.toString(want)));
                long granted = (Long) values.get(0);
                long remaining = (Long) values.get(1);
                long tat = now + (Long) values.get(2);
                long rejectedUntil = granted > 0 ? 0 : now + (Long) values.get(3);
                lease.held.updateAndGet(h -> new Held(h.tokens() + granted, remaining, tat, rejectedUntil));
            } catch (RuntimeException e) {
                failure = e;
            }
            lease.refill.set(null);
            if (failure == null) {
                call.complete(null);
            } else {
                call.completeExceptionally(failure);
            }
        });
        return call;
    }
}
