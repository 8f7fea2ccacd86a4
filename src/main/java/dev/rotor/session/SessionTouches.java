package dev.rotor.session;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import dev.rotor.redis.RedisUnavailableException;

/**
 * Last uses of sessions read on this replica, written to Redis in one pipelined batch per
 * {@code touch-period} instead of one write per read. A read that wrote would also invalidate
 * every replica's cached copy of the session; a batch does that once per period at most.
 *
 * <p>At most {@code capacity} sessions wait for a batch (the memory tier's bound: a read puts its
 * session there too); a read beyond it is not recorded, and that session's idle expiry in Redis
 * runs from its previous recorded use. A failed batch is kept for the next one. What this costs:
 * other replicas see a last use up to one period late, and a session's idle expiry in Redis
 * starts up to one period after its last read.
 */
final class SessionTouches implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionTouches.class.getName());

    private final RedisSessions shared;
    private final int capacity;
    private final AtomicReference<ConcurrentHashMap<String, AtomicLong>> pending =
            new AtomicReference<>(new ConcurrentHashMap<>());
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /**
     * @param shared   the Redis tier
     * @param capacity most sessions waiting for a batch
     * @param period   time between two batches; zero: no background writer ({@link #write()} by hand)
     */
    SessionTouches(RedisSessions shared, int capacity, Duration period) {
        this.shared = shared;
        this.capacity = capacity;
        this.writer = period.isZero() ? null : Thread.ofVirtual().name("rotor-session-touches").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                write();
            }
        });
    }

    /**
     * @param id  session id
     * @param now when it was read
     */
    void record(String id, Instant now) {
        long ms = now.toEpochMilli();
        ConcurrentHashMap<String, AtomicLong> map = pending.get();
        AtomicLong at = map.get(id);
        if (at == null) {
            if (map.size() >= capacity) {
                dropped.incrementAndGet();
                return;
            }
            at = map.computeIfAbsent(id, k -> new AtomicLong());
        }
        // a read of a hot session mostly finds its time already recorded: no write to shared memory
        if (at.get() < ms) {
            at.accumulateAndGet(ms, Math::max);
        }
    }

    /**
     * Write every recorded use in one batch (a use recorded while the batch is taken may wait for
     * the next one).
     *
     * @return how many sessions the batch held
     */
    int write() {
        writing.lock();
        try {
            ConcurrentHashMap<String, AtomicLong> batch = pending.getAndSet(new ConcurrentHashMap<>());
            if (batch.isEmpty()) {
                return 0;
            }
            Map<String, Long> uses = new java.util.HashMap<>(batch.size() * 2);
            batch.forEach((id, at) -> uses.put(id, at.get()));
            try {
                shared.touchAll(uses);
                written.addAndGet(uses.size());
            } catch (RedisUnavailableException e) {
                // keep them for the next batch (bounded like any other recording)
                uses.forEach((id, at) -> record(id, Instant.ofEpochMilli(at)));
                LOG.log(Level.DEBUG, "session last uses not written (" + e.getMessage() + "); next batch");
            }
            return uses.size();
        } finally {
            writing.unlock();
        }
    }

    /** @return last uses written to Redis */
    long written() {
        return written.get();
    }

    /** @return reads not recorded because {@code capacity} sessions were waiting */
    long dropped() {
        return dropped.get();
    }

    /** Stop the background writer and write what is left (once, bounded by Redis's timeouts). */
    @Override
    public void close() {
        closed = true;
        if (writer != null) {
            writer.interrupt();
        }
        write();
    }
}
