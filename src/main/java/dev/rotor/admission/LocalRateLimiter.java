package dev.rotor.admission;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * GCRA in this replica's memory: one timestamp per client in a bounded cache. An entry
 * idle for a whole window is dropped, which loses nothing (see {@link Gcra}); beyond
 * {@code maxClients} the least recently seen client is forgotten, which can only let that
 * client through sooner, never block anyone wrongly.
 */
public final class LocalRateLimiter implements RateLimiter {
    private final Supplier<RateLimit> limit;
    private final LongSupplier microClock;
    private final Cache<String, AtomicLong> tats;
    private final int maxClients;

    /**
     * @param limit      the limit in force; read per decision (the replica's share may change)
     * @param window     the limit's window, for idle expiry
     * @param maxClients most clients remembered at once
     * @param microClock wall clock in microseconds
     */
    public LocalRateLimiter(Supplier<RateLimit> limit, Duration window, int maxClients, LongSupplier microClock) {
        this.limit = limit;
        this.microClock = microClock;
        this.maxClients = maxClients;
        this.tats = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(window)
                .ticker(() -> microClock.getAsLong() * 1000)
                // maintenance on the calling thread: no hidden work on the common pool, and
                // tests with a manual clock see expiry deterministically
                .executor(Runnable::run)
                .build();
    }

    @Override
    public RateDecision decide(String client) {
        RateLimit l = limit.get();
        long now = microClock.getAsLong();
        // lock-free: a busy client's requests (behind a balancer, often all of them) would queue
        // on a per-key lock in turn
        AtomicLong tat = tats.get(client, k -> new AtomicLong(Long.MIN_VALUE));
        while (true) {
            long stored = tat.get();
            Gcra.Outcome o = Gcra.decide(stored, now, l.intervalMicros(), l.limit());
            if (!o.allowed() || tat.compareAndSet(stored, o.tat())) {
                return RateDecision.of(o, l, RateDecision.Backend.LOCAL);
            }
        }
    }

    /** @return clients remembered right now (approximate) */
    public long trackedClients() {
        return tats.estimatedSize();
    }

    /** @return most clients remembered at once */
    public int maxClients() {
        return maxClients;
    }
}
