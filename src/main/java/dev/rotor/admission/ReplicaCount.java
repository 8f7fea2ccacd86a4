package dev.rotor.admission;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.rotor.redis.RedisScript;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;

/**
 * How many replicas share the rate limit, so that each takes its fair share when Redis is
 * away. While Redis answers, every replica refreshes its heartbeat in one sorted set and
 * reads how many heartbeats are fresh; the last count read is kept through an outage (the
 * replicas rarely change during one). Until a first count arrives, and without Redis, the
 * configured {@code expected-replicas} applies.
 */
public final class ReplicaCount implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReplicaCount.class.getName());
    /** Often enough that a new or departed replica changes the share within seconds. */
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    /** Three missed heartbeats and a replica no longer counts. */
    static final Duration LIFETIME = HEARTBEAT.multipliedBy(3);
    private static final RedisScript SCRIPT = RedisScript.load(ReplicaCount.class, "replicas.lua");

    private final int expected;
    private final String replicaId;
    private final SharedRedis redis;
    private final LongSupplier milliClock;
    private final String key;
    private final ScheduledExecutorService ticker;
    private volatile int live;

    private ReplicaCount(int expected, String replicaId, SharedRedis redis, LongSupplier milliClock, String namespace,
                         boolean schedule) {
        this.expected = expected;
        this.replicaId = replicaId;
        this.redis = redis;
        this.milliClock = milliClock;
        this.key = namespace + "replicas";
        if (schedule) {
            ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("rotor-replica-count")
                                                                        .daemon().factory());
            ticker.scheduleWithFixedDelay(this::refresh, 0, HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /**
     * @param expected the configured count
     * @return a count that is always {@code expected}
     */
    public static ReplicaCount fixed(int expected) {
        return new ReplicaCount(expected, null, null, null, "", false);
    }

    /**
     * @param expected   used until Redis has counted
     * @param replicaId  this replica's id, its member in the set
     * @param redis      the shared client
     * @param milliClock wall clock in milliseconds
     * @param namespace  the service's Redis key prefix: each service counts its own replicas
     * @return a count refreshed in the background every {@link #HEARTBEAT}
     */
    public static ReplicaCount live(int expected, String replicaId, SharedRedis redis, LongSupplier milliClock,
                                    String namespace) {
        return new ReplicaCount(expected, replicaId, redis, milliClock, namespace, true);
    }

    /**
     * @return replicas sharing the limit: the last live count, else the expected one
     */
    public int replicas() {
        int n = live;
        return n > 0 ? n : expected;
    }

    /**
     * Heartbeat once and read the count; a failure keeps the last count.
     */
    void refresh() {
        try {
            long count = (Long) redis.run(SCRIPT, List.of(key),
                    List.of(Long.toString(milliClock.getAsLong()), replicaId, Long.toString(LIFETIME.toMillis())));
            int n = (int) Math.max(1, count);
            if (n != live) {
                LOG.log(Level.INFO, "rate limit: " + n + " live replica(s) share it" + (live == 0 ? " (first count)" : ""));
            }
            live = n;
        } catch (RedisUnavailableException e) {
            // the circuit already said so once; the share stays at the last count
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "rate limit: counting replicas failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ticker == null) {
            return;
        }
        ticker.shutdownNow();
        try {
            // leave at once rather than count for another lifetime; best effort, bounded by the circuit
            redis.execute(jedis -> jedis.zrem(key, replicaId));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "could not remove replica " + replicaId + " from " + key + ": " + e.getMessage());
        }
    }
}
