package dev.rotor.session;

import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The bounded session store. Memory holds at most {@code max-active} sessions (least recently
 * used evicted first, exactly) and drops any idle for {@code idle-ttl}; concurrent inserts may
 * overshoot the bound for the instant before the inserting thread trims it.
 *
 * <p>With Redis, Redis is the source of truth while it answers: every read and append goes
 * through it (one Lua script each), so a session made or changed on one replica reads the
 * same on every other, and survives its replica. Memory then is the fallback: when Redis is
 * down, sessions keep working from memory, and whatever changed there is marked as lacking in
 * Redis ("dirty"). A dirty session is written back on its next access once Redis answers, and
 * all dirty sessions are written on {@link #close()}, bounded by {@code flush-timeout}. Where a
 * dirty memory copy and the Redis copy differ, the memory copy wins: it saw the latest writes
 * this replica accepted.
 *
 * <p>Without Redis the store is memory only and rotation loses sessions (logged at startup).
 */
public final class SessionStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionStore.class.getName());
    private static final Duration FLUSH_RETRY = Duration.ofMillis(50);

    private final SessionConfig config;
    private final Optional<RedisSessions> redis;
    private final Clock clock;
    private final Cache<String, Entry> memory;
    private final SecureRandom random = new SecureRandom();
    private final Map<RemovalCause, AtomicLong> evicted = new java.util.EnumMap<>(RemovalCause.class);
    private final ReentrantLock trimLock = new ReentrantLock();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong loaded = new AtomicLong();
    private final AtomicLong flushed = new AtomicLong();

    /** A memory copy and whether Redis lacks it. */
    private record Entry(Session session, boolean dirty) {
    }

    /**
     * @param config    bounds
     * @param redis     the shared Redis client, when configured
     * @param namespace the service's Redis key prefix ({@code FleetConfig.redisNamespace()})
     * @param ticker    time source of the memory tier's idle expiry (tests pass a fake one)
     * @param clock     wall clock for the created / last used times
     */
    public SessionStore(SessionConfig config, Optional<SharedRedis> redis, String namespace, Ticker ticker, Clock clock) {
        this.config = config;
        this.redis = redis.map(r -> new RedisSessions(r, namespace, config.idleTtl(), config.maxMessages()));
        this.clock = clock;
        for (RemovalCause cause : RemovalCause.values()) {
            evicted.put(cause, new AtomicLong());
        }
        // No maximumSize: Caffeine's size policy (W-TinyLFU) may keep an old, often-read session
        // over a new one, and the contract here is least recently used first. The access-order
        // queue that expireAfterAccess keeps is exact LRU, so trim() evicts from its head.
        this.memory = Caffeine.newBuilder()
                .expireAfterAccess(config.idleTtl())
                .ticker(ticker)
                // evictions run on the caller's thread: no pool threads, and tests see them at once
                .executor(Runnable::run)
                .evictionListener((String id, Entry e, RemovalCause cause) -> evicted.get(cause).incrementAndGet())
                .build();
        if (this.redis.isEmpty()) {
            LOG.log(Level.WARNING, "sessions are in memory only (no REDIS_URL): at most " + config.maxActive()
                    + ", idle expiry " + config.idleTtl() + "; a rotation loses this replica's sessions");
        } else {
            LOG.log(Level.INFO, "sessions in Redis with idle expiry " + config.idleTtl() + ", memory fallback of at most "
                    + config.maxActive() + "; they survive rotation");
        }
    }

    /**
     * @param system optional system prompt
     * @return the new session
     */
    public Session create(Optional<String> system) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        java.time.Instant now = clock.instant();
        Session s = new Session(HexFormat.of().formatHex(bytes), system, List.of(), now, now);
        put(s.id(), new Entry(s, redis.isPresent() && !saved(s)));
        return s;
    }

    /**
     * Read a session and mark it used.
     *
     * @param id session id
     * @return the session, if it exists
     */
    public Optional<Session> find(String id) {
        Entry local = memory.getIfPresent(id);
        if (redis.isPresent() && (local == null || !local.dirty() || saved(local.session()))) {
            try {
                Optional<Session> shared = redis.get().readAndTouch(id, clock.instant());
                if (shared.isPresent()) {
                    if (local == null) {
                        loaded.incrementAndGet();
                    }
                    put(id, new Entry(shared.get(), false));
                } else if (local != null) {
                    memory.invalidate(id); // deleted or expired in Redis by another replica
                }
                return shared;
            } catch (RedisUnavailableException e) {
                // fall through to memory
            }
        }
        if (local == null) {
            return Optional.empty();
        }
        Session touched = local.session().touch(clock.instant());
        put(id, new Entry(touched, redis.isPresent()));
        return Optional.of(touched);
    }

    /**
     * Append messages to a session (the caller holds the session's lock).
     *
     * @param id       session id
     * @param messages what to add, in order
     * @return the session after the append, empty when it no longer exists
     */
    public Optional<Session> append(String id, List<ChatMessage> messages) {
        Entry local = memory.getIfPresent(id);
        if (redis.isPresent() && (local == null || !local.dirty() || saved(local.session()))) {
            try {
                Optional<Session> shared = redis.get().append(id, messages, clock.instant());
                shared.ifPresentOrElse(s -> put(id, new Entry(s, false)), () -> memory.invalidate(id));
                return shared;
            } catch (RedisUnavailableException e) {
                // fall through to memory
            }
        }
        if (local == null) {
            return Optional.empty();
        }
        Session next = local.session().append(messages, config.maxMessages(), clock.instant());
        put(id, new Entry(next, redis.isPresent()));
        return Optional.of(next);
    }

    /**
     * @param id session id
     * @return whether a session was removed; while Redis is down only the memory copy goes, and
     *         the Redis copy expires on its own
     */
    public boolean delete(String id) {
        boolean found = memory.asMap().remove(id) != null;
        if (redis.isPresent()) {
            try {
                found |= redis.get().delete(id);
            } catch (RedisUnavailableException e) {
                // the Redis copy, if any, expires after idle-ttl
            }
        }
        if (found) {
            deleted.incrementAndGet();
        }
        return found;
    }

    /**
     * Write every session Redis lacks, retrying while Redis recovers, within {@code timeout}.
     *
     * @param timeout bound on the whole flush
     * @return how many sessions are still not in Redis
     */
    public int flush(Duration timeout) {
        if (redis.isEmpty()) {
            return 0;
        }
        long deadline = nanoClock() + timeout.toNanos();
        int left = 0;
        for (Map.Entry<String, Entry> e : memory.asMap().entrySet()) {
            if (!e.getValue().dirty()) {
                continue;
            }
            boolean done = saved(e.getValue().session());
            while (!done && nanoClock() + FLUSH_RETRY.toNanos() < deadline) {
                try {
                    Thread.sleep(FLUSH_RETRY); // the Redis circuit lets a probe through after open-for
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                done = saved(e.getValue().session());
            }
            if (done) {
                memory.asMap().computeIfPresent(e.getKey(), (k, v) -> v == e.getValue() ? new Entry(v.session(), false) : v);
                flushed.incrementAndGet();
            } else {
                left++;
            }
        }
        return left;
    }

    /** @return sessions in memory now */
    public long active() {
        memory.cleanUp();
        return memory.estimatedSize();
    }

    /** @return sessions in memory that Redis lacks */
    public long dirty() {
        return memory.asMap().values().stream().filter(Entry::dirty).count();
    }

    /**
     * @param cause {@code size} or {@code expired}
     * @return sessions evicted from memory for that cause
     */
    public long evicted(RemovalCause cause) {
        return evicted.get(cause).get();
    }

    /** @return sessions removed by DELETE */
    public long deleted() {
        return deleted.get();
    }

    /** @return sessions read from Redis that this replica's memory lacked */
    public long loadedFromRedis() {
        return loaded.get();
    }

    /** @return sessions written to Redis by a flush */
    public long flushed() {
        return flushed.get();
    }

    /** @return the bounds */
    public SessionConfig config() {
        return config;
    }

    /** @return whether sessions are shared through Redis */
    public boolean shared() {
        return redis.isPresent();
    }

    /** Flush what Redis lacks, bounded by {@code flush-timeout}; logs what could not be saved. */
    @Override
    public void close() {
        if (redis.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        int left = flush(config.flushTimeout());
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (left > 0) {
            LOG.log(Level.WARNING, left + " session(s) could not be written to Redis within " + config.flushTimeout()
                    + "; they are lost with this replica");
        } else {
            LOG.log(Level.INFO, "sessions flushed to Redis in " + ms + " ms (" + flushed.get() + " written by flushes)");
        }
    }

    /** Insert or replace, then evict least recently used sessions beyond max-active. */
    private void put(String id, Entry entry) {
        memory.put(id, entry);
        if (memory.estimatedSize() <= config.maxActive()) {
            return;
        }
        trimLock.lock();
        try {
            memory.cleanUp(); // drain buffered reads so that the access order is exact
            long excess = memory.estimatedSize() - config.maxActive();
            if (excess > 0) {
                var order = memory.policy().expireAfterAccess().orElseThrow();
                for (Map.Entry<String, Entry> oldest : order.oldest((int) excess).entrySet()) {
                    if (memory.asMap().remove(oldest.getKey(), oldest.getValue())) {
                        evicted.get(RemovalCause.SIZE).incrementAndGet();
                    }
                }
            }
        } finally {
            trimLock.unlock();
        }
    }

    private long nanoClock() {
        return System.nanoTime();
    }

    private boolean saved(Session s) {
        try {
            redis.orElseThrow().save(s);
            return true;
        } catch (RedisUnavailableException e) {
            return false;
        }
    }
}
