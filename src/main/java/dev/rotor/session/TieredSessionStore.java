package dev.rotor.session;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.rotor.redis.KeyTracking;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Sessions in memory over a shared tier (Redis, through {@link RedisSessions}). The shared tier
 * is the source of truth while it answers: every append goes through it (one Lua script), so a
 * session made or changed on one replica reads the same on every other, and survives its
 * replica. A read is served from memory when memory is known to hold what Redis holds
 * ({@link KeyTracking}: the copy was read from Redis and no invalidation for it has arrived, on a
 * subscription that answered a ping within {@code cache-lag}); else it reads Redis (one Lua
 * script that writes nothing). Last uses are written in batches ({@link SessionTouches}).
 *
 * <p>Memory is also the fallback: when Redis is down, sessions keep working from memory, and
 * whatever changed there is marked as lacking in Redis ("dirty"). A dirty session is written back
 * on its next access once Redis answers, and all dirty sessions are written on {@link #close()},
 * bounded by {@code flush-timeout}. Where a dirty memory copy and the Redis copy differ, the memory
 * copy wins: it saw the latest writes this replica accepted.
 */
final class TieredSessionStore implements SessionStore {
    private static final System.Logger LOG = System.getLogger(TieredSessionStore.class.getName());
    /** Between two tries of a flush: the Redis circuit lets a probe through after open-for. */
    static final Duration FLUSH_RETRY = Duration.ofMillis(50);

    /** Waits between two tries of a flush ({@code Thread::sleep}; tests move a fake clock). */
    @FunctionalInterface
    interface Sleeper {
        /**
         * @param duration how long to wait
         * @throws InterruptedException when interrupted while waiting
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SessionConfig config;
    private final SessionMemory memory;
    private final RedisSessions shared;
    private final KeyTracking tracking;
    private final SessionTouches touches;
    private final Ticker ticker;
    private final Clock clock;
    private final Sleeper sleeper;
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong loaded = new AtomicLong();
    private final AtomicLong flushed = new AtomicLong();
    private final LongAdder servedFromMemory = new LongAdder();

    /**
     * @param config  bounds
     * @param shared   the shared tier
     * @param tracking says which memory copies Redis still holds (closed with the store)
     * @param touches  batches last uses (closed with the store)
     * @param ticker  monotonic time of the memory tier's idle expiry and the flush deadline
     * @param clock   wall clock for the created / last used times
     * @param sleeper waits between two tries of a flush
     */
    TieredSessionStore(SessionConfig config, RedisSessions shared, KeyTracking tracking, SessionTouches touches,
                       Ticker ticker, Clock clock, Sleeper sleeper) {
        this.config = config;
        this.memory = new SessionMemory(config, ticker);
        this.shared = shared;
        this.tracking = tracking;
        this.touches = touches;
        this.ticker = ticker;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    @Override
    public Session create(Optional<String> system) {
        Session s = Session.create(system, clock.instant());
        memory.put(s.id(), new SessionMemory.Entry(s, !saved(s)));
        return s;
    }

    @Override
    public Optional<Session> find(String id) {
        Instant now = clock.instant();
        SessionMemory.Entry local = memory.get(id);
        if (local != null && tracking.isCurrent(id, local.stamp())) {
            servedFromMemory.increment();
            touches.record(id, now);
            return Optional.of(local.session().touch(now));
        }
        if (sharedMayAnswer(local)) {
            // before the read is sent: an invalidation of anything Redis does after it voids the copy
            KeyTracking.Stamp stamp = tracking.stamp(id);
            try {
                Optional<Session> found = shared.read(id);
                if (found.isPresent()) {
                    if (local == null) {
                        loaded.incrementAndGet();
                    }
                    memory.put(id, new SessionMemory.Entry(found.get(), false, stamp));
                    touches.record(id, now);
                    return Optional.of(found.get().touch(now));
                }
                if (local != null) {
                    memory.remove(id); // deleted or expired in Redis by another replica
                }
                return found;
            } catch (RedisUnavailableException e) {
                // fall through to memory
            }
        }
        return memory.touch(id, now, true);
    }

    @Override
    public Optional<Session> append(String id, List<ChatMessage> messages) {
        SessionMemory.Entry local = memory.get(id);
        if (sharedMayAnswer(local)) {
            try {
                Optional<Session> after = shared.append(id, messages, clock.instant());
                after.ifPresentOrElse(s -> memory.put(id, new SessionMemory.Entry(s, false)), () -> memory.remove(id));
                return after;
            } catch (RedisUnavailableException e) {
                // fall through to memory
            }
        }
        return memory.append(id, messages, clock.instant(), true);
    }

    /**
     * @return whether a session was removed; while Redis is down only the memory copy goes, and
     *         the Redis copy expires on its own
     */
    @Override
    public boolean delete(String id) {
        boolean found = memory.remove(id);
        try {
            found |= shared.delete(id);
        } catch (RedisUnavailableException e) {
            // the Redis copy, if any, expires after idle-ttl
        }
        if (found) {
            deleted.incrementAndGet();
        }
        return found;
    }

    /**
     * Write every session Redis lacks, trying again every {@link #FLUSH_RETRY} while Redis
     * recovers, until {@code timeout} has passed on the ticker.
     */
    @Override
    public int flush(Duration timeout) {
        long deadline = ticker.read() + timeout.toNanos();
        int left = 0;
        for (Map.Entry<String, SessionMemory.Entry> e : memory.dirtyEntries()) {
            boolean done = saved(e.getValue().session());
            while (!done && ticker.read() + FLUSH_RETRY.toNanos() < deadline) {
                try {
                    sleeper.sleep(FLUSH_RETRY);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                done = saved(e.getValue().session());
            }
            if (done) {
                memory.markSaved(e.getKey(), e.getValue());
                flushed.incrementAndGet();
            } else {
                left++;
            }
        }
        return left;
    }

    @Override
    public SessionConfig config() {
        return config;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public long active() {
        return memory.size();
    }

    @Override
    public long evicted(RemovalCause cause) {
        return memory.evicted(cause);
    }

    @Override
    public long deleted() {
        return deleted.get();
    }

    @Override
    public long dirty() {
        return memory.dirty();
    }

    @Override
    public long loadedFromRedis() {
        return loaded.get();
    }

    @Override
    public long flushed() {
        return flushed.get();
    }

    @Override
    public long servedFromMemory() {
        return servedFromMemory.sum();
    }

    /**
     * Write the pending last uses, then flush what Redis lacks, bounded by {@code flush-timeout};
     * logs what could not be saved. Stops the tracking.
     */
    @Override
    public void close() {
        touches.close();
        tracking.close();
        long start = ticker.read();
        int left = flush(config.flushTimeout());
        long ms = (ticker.read() - start) / 1_000_000;
        if (left > 0) {
            LOG.log(Level.WARNING, left + " session(s) could not be written to Redis within " + config.flushTimeout()
                    + "; they are lost with this replica");
        } else {
            LOG.log(Level.INFO, "sessions flushed to Redis in " + ms + " ms (" + flushed.get() + " written by flushes)");
        }
    }

    /**
     * @param local the memory copy, or null
     * @return whether Redis is to answer: there is no dirty memory copy, or it was just written back
     */
    private boolean sharedMayAnswer(SessionMemory.Entry local) {
        return local == null || !local.dirty() || shared.worthTrying() && saved(local.session());
    }

    private boolean saved(Session s) {
        try {
            shared.save(s);
            return true;
        } catch (RedisUnavailableException e) {
            return false;
        }
    }
}
