package dev.rotor.admission;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The global concurrency limit: a fixed number of permits and an optional bounded queue.
 * A request that finds no permit waits in the queue when there is room (at most
 * {@code queueTimeout}), else it is rejected at once; nothing ever waits unbounded.
 *
 * <p>The same algorithm as Helidon's {@code server.concurrency-limit.fixed}, kept here so
 * that a rejection is an ordinary response (503, {@code Retry-After}, JSON body, connection
 * kept) rather than Helidon's bare 503 that closes the connection, and so that probes and
 * metrics, which Helidon would count too, are never limited.
 */
public final class ConcurrencyLimiter {
    private final int capacity;
    private final int queueCapacity;
    private final long queueTimeoutNanos;
    private final Semaphore permits;
    private final AtomicInteger waiting = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();

    /**
     * @param capacity      permits
     * @param queueCapacity requests that may wait for a permit
     * @param queueTimeout  longest wait
     */
    public ConcurrencyLimiter(int capacity, int queueCapacity, Duration queueTimeout) {
        if (capacity < 1) {
            throw new IllegalArgumentException("max-concurrent-requests must be at least 1, got " + capacity);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("queue-length must not be negative, got " + queueCapacity);
        }
        this.capacity = capacity;
        this.queueCapacity = queueCapacity;
        this.queueTimeoutNanos = queueTimeout.toNanos();
        // not fair: a request that finds a free permit takes it without queueing behind
        // waiters, which keeps the uncontended path to one CAS
        this.permits = new Semaphore(capacity);
    }

    /**
     * Take a permit, waiting in the queue if there is room. A caller that gets {@code true}
     * must call {@link #release()} exactly once.
     *
     * @return whether a permit was taken; {@code false} has been counted as a rejection
     */
    public boolean tryAcquire() {
        if (permits.tryAcquire()) {
            return true;
        }
        if (queueCapacity > 0) {
            if (waiting.incrementAndGet() <= queueCapacity) {
                try {
                    if (permits.tryAcquire(queueTimeoutNanos, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    waiting.decrementAndGet();
                }
            } else {
                waiting.decrementAndGet();
            }
        }
        rejected.increment();
        return false;
    }

    /** Give back a permit taken by {@link #tryAcquire()}. */
    public void release() {
        permits.release();
    }

    /** @return permits in all */
    public int capacity() {
        return capacity;
    }

    /** @return permits held right now */
    public int inUse() {
        return capacity - permits.availablePermits();
    }

    /** @return room in the queue */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** @return requests waiting in the queue right now */
    public int waiting() {
        return Math.min(waiting.get(), queueCapacity);
    }

    /** @return requests rejected since start */
    public long rejected() {
        return rejected.sum();
    }
}
