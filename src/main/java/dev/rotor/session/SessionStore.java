package dev.rotor.session;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.rotor.redis.KeyTracking;
import dev.rotor.redis.SharedRedis;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The bounded session store. Every implementation keeps at most {@code max-active} sessions in
 * memory (least recently used evicted first) and drops any idle for {@code idle-ttl}:
 * {@link LocalSessionStore} is that memory alone; {@code TieredSessionStore} puts it over a
 * shared tier (Redis) so that sessions survive their replica. {@code SessionStoreContract} (in
 * the tests) is what both promise.
 */
public interface SessionStore extends AutoCloseable {
    /**
     * The store for this replica: tiered over Redis when there is one, else memory only; says
     * which at startup.
     *
     * @param config    bounds
     * @param redis     the shared Redis client, when configured
     * @param namespace the service's Redis key prefix ({@code FleetConfig.redisNamespace()})
     * @param ticker    monotonic time of the idle expiry and the exit flush's deadline
     * @param clock     wall clock for the created / last used times
     * @return the store
     */
    static SessionStore of(SessionConfig config, Optional<SharedRedis> redis, String namespace, Ticker ticker,
                           Clock clock) {
        System.Logger log = System.getLogger(SessionStore.class.getName());
        if (redis.isEmpty()) {
            log.log(Level.WARNING, "sessions are in memory only (no REDIS_URL or REDIS_SENTINELS): at most " + config.maxActive()
                    + ", idle expiry " + config.idleTtl() + "; a rotation loses this replica's sessions");
            return new LocalSessionStore(config, ticker, clock);
        }
        RedisSessions shared = new RedisSessions(redis.get(), namespace, config.idleTtl(), config.maxMessages());
        boolean cached = !config.cacheLag().isZero();
        log.log(Level.INFO, "sessions in Redis with idle expiry " + config.idleTtl() + ", memory fallback of at most "
                + config.maxActive() + "; they survive rotation; "
                + (cached ? "reads served from memory while Redis's invalidations are current within " + config.cacheLag()
                          : "every read asks Redis (ROTOR_SESSION_CACHE_LAG=0)")
                + "; last uses written every " + config.touchPeriod());
        KeyTracking tracking = cached ? KeyTracking.start(redis.get(), shared.keyPrefix(), config.cacheLag())
                                      : KeyTracking.off();
        return new TieredSessionStore(config, shared, tracking,
                                      new SessionTouches(shared, config.maxActive(), config.touchPeriod()),
                                      ticker, clock, Thread::sleep);
    }

    /**
     * @param system optional system prompt
     * @return the new session
     */
    Session create(Optional<String> system);

    /**
     * Read a session and mark it used.
     *
     * @param id session id
     * @return the session, if it exists
     */
    Optional<Session> find(String id);

    /**
     * Append messages to a session (the caller holds the session's lock).
     *
     * @param id       session id
     * @param messages what to add, in order
     * @return the session after the append, empty when it no longer exists
     */
    Optional<Session> append(String id, List<ChatMessage> messages);

    /**
     * @param id session id
     * @return whether a session was removed
     */
    boolean delete(String id);

    /**
     * Write every session the shared tier lacks, within {@code timeout}.
     *
     * @param timeout bound on the whole flush
     * @return how many sessions are still not in the shared tier
     */
    int flush(Duration timeout);

    /** @return the bounds */
    SessionConfig config();

    /** @return whether sessions are shared with other replicas (and survive this one) */
    boolean shared();

    /** @return sessions in memory now */
    long active();

    /**
     * @param cause {@code SIZE} or {@code EXPIRED}
     * @return sessions evicted from memory for that cause
     */
    long evicted(RemovalCause cause);

    /** @return sessions removed by DELETE */
    long deleted();

    /** @return sessions in memory that the shared tier lacks */
    long dirty();

    /** @return sessions read from the shared tier that this replica's memory lacked */
    long loadedFromRedis();

    /** @return sessions written to the shared tier by a flush */
    long flushed();

    /** @return reads answered from memory because it was known to hold what Redis holds */
    default long servedFromMemory() {
        return 0;
    }

    /** Leave: a tiered store flushes what the shared tier lacks, bounded by {@code flush-timeout}. */
    @Override
    void close();
}
