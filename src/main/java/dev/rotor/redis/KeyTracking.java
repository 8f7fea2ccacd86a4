package dev.rotor.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Protocol;

/**
 * Server-assisted client-side caching for the keys under one prefix: tells a cache when a copy
 * it took from Redis may be served without asking Redis again.
 *
 * <p>One dedicated connection ({@link SharedRedis#openDedicated}) enables
 * {@code CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>} and then subscribes to
 * {@code __redis__:invalidate}: Redis sends it the name of every key under the prefix that any
 * client changes, deletes or lets expire (RESP2 redirect mode, which Redis 6+ has; Jedis's own
 * cache needs Redis 7.4). One connection is enough in broadcast mode; tracking each pooled
 * connection would multiply every message by the pool size. An invalidation moves the version of
 * the key's hash tag (the text in braces, so both keys of one session are one entry); a copy is
 * current while the version it was loaded under has not moved.
 *
 * <p>Why a copy is never served stale: the caller takes a {@link Stamp} before it sends its read,
 * so an invalidation for any write that Redis ran after the read moves the version and voids the
 * copy. And the subscriber sends a {@code PING} every quarter of {@code maxLag} on the same
 * connection; Redis answers it after every invalidation it queued before, so once the answer to a
 * ping sent at time p has arrived, every write acknowledged before p has been seen. Copies are
 * served only while such an answer is younger than {@code maxLag}: a write acknowledged on any
 * replica is seen by every read that begins {@code maxLag} later, however slow the machine. When
 * the subscription breaks, is made again, Redis flushes, or the shared circuit is not closed,
 * every copy is dropped at once (correctness over speed).
 */
public final class KeyTracking implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KeyTracking.class.getName());
    private static final String CHANNEL = "__redis__:invalidate";
    /** Versions are kept per stripe of hash tags: collisions only cost an extra read. */
    private static final int STRIPES = 4096;

    /**
     * What a copy was loaded under.
     *
     * @param generation the cache generation then
     * @param version    the version of its hash tag then
     */
    public record Stamp(long generation, long version) {
    }

    private final SharedRedis redis;
    private final String prefix;
    private final long maxLagNanos;
    private final Duration heartbeat;
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLongArray versions = new AtomicLongArray(STRIPES);
    private final AtomicLong invalidations = new AtomicLong();
    private volatile long answeredPingSentAt;
    private volatile Subscriber subscriber;
    private volatile boolean closed;
    private volatile boolean droppedForOutage;
    private final Thread listener;
    private final Thread pinger;

    private KeyTracking(SharedRedis redis, String prefix, Duration maxLag) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxLagNanos = maxLag.toNanos();
        this.heartbeat = maxLag.dividedBy(4);
        this.answeredPingSentAt = System.nanoTime() - Long.MAX_VALUE / 2;
        if (redis == null || maxLag.isZero()) {
            listener = null;
            pinger = null;
            return;
        }
        listener = Thread.ofVirtual().name("rotor-tracking-" + prefix).start(this::listen);
        pinger = Thread.ofVirtual().name("rotor-tracking-ping").start(this::ping);
    }

    /**
     * Start tracking; the first copies become current once the subscription answers.
     *
     * @param redis  the shared client, whose Redis is tracked
     * @param prefix the key prefix, e.g. {@code rotor:rotor:session:}
     * @param maxLag how old the last answered ping may be for copies to be served
     * @return the running tracking; close it to stop
     */
    public static KeyTracking start(SharedRedis redis, String prefix, Duration maxLag) {
        return new KeyTracking(redis, prefix, maxLag);
    }

    /**
     * @return a tracking under which no copy is ever current (no Redis, or caching off)
     */
    public static KeyTracking off() {
        return new KeyTracking(null, "", Duration.ZERO);
    }

    /**
     * Take before sending the read whose result will be cached.
     *
     * @param tag the hash tag of the keys read (the text in braces)
     * @return the stamp to keep with the copy
     */
    public Stamp stamp(String tag) {
        return new Stamp(generation.get(), versions.get(stripe(tag)));
    }

    /**
     * @param tag   the copy's hash tag
     * @param stamp what it was loaded under (null: never current)
     * @return whether the copy may be served without asking Redis
     */
    public boolean isCurrent(String tag, Stamp stamp) {
        if (stamp == null || listener == null) {
            return false;
        }
        if (redis.circuit().state() != CircuitState.CLOSED) {
            dropForOutage();
            return false;
        }
        return System.nanoTime() - answeredPingSentAt <= maxLagNanos
                && stamp.generation() == generation.get()
                && stamp.version() == versions.get(stripe(tag));
    }

    /** @return whether copies may be served now (subscribed, a recent ping answered, circuit closed) */
    public boolean live() {
        return listener != null && redis.circuit().state() == CircuitState.CLOSED
                && System.nanoTime() - answeredPingSentAt <= maxLagNanos;
    }

    /** @return invalidation messages received */
    public long invalidations() {
        return invalidations.get();
    }

    /** @return times every copy was dropped at once */
    public long generations() {
        return generation.get();
    }

    private void listen() {
        boolean lost = false;
        while (!closed) {
            try (Jedis jedis = redis.openDedicated(redis.socketTimeout().multipliedBy(4).plus(heartbeat))) {
                long id = jedis.clientId();
                jedis.sendCommand(Protocol.Command.CLIENT, "TRACKING", "ON", "REDIRECT", Long.toString(id),
                                  "BCAST", "PREFIX", prefix);
                Subscriber s = new Subscriber();
                subscriber = s;
                if (lost) {
                    LOG.log(Level.INFO, "cache of " + prefix + "*: tracking again; copies are served once current");
                }
                lost = false;
                jedis.subscribe(s, CHANNEL); // returns when the connection fails or on close
            } catch (RuntimeException e) {
                if (!lost && !closed) {
                    LOG.log(Level.WARNING, "cache of " + prefix + "*: invalidation channel lost (" + e.getMessage()
                            + "); every read goes to Redis until it is back");
                }
                lost = true;
            } finally {
                subscriber = null;
                generation.incrementAndGet();
            }
            if (!closed) {
                pause(redis.config().openFor());
            }
        }
    }

    private void ping() {
        while (!closed) {
            if (redis.circuit().state() != CircuitState.CLOSED) {
                dropForOutage(); // now, not at the next read
            } else {
                droppedForOutage = false;
            }
            Subscriber s = subscriber;
            if (s != null && s.isSubscribed()) {
                try {
                    s.ping(Long.toString(System.nanoTime()));
                } catch (RuntimeException e) {
                    // the listener sees the same failure and reconnects
                }
            }
            pause(heartbeat);
        }
    }

    /** Redis is failing: nothing cached before counts afterwards. Once per outage, not per read. */
    private void dropForOutage() {
        if (!droppedForOutage) {
            droppedForOutage = true;
            generation.incrementAndGet();
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private static int stripe(String tag) {
        return (tag.hashCode() & 0x7fffffff) % STRIPES;
    }

    private static String tagOf(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                return key.substring(open + 1, close);
            }
        }
        return key;
    }

    private final class Subscriber extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            // copies loaded before this subscription was live could have missed an invalidation
            generation.incrementAndGet();
        }

        @Override
        public void onMessage(String channel, String key) {
            invalidations.incrementAndGet();
            if (key == null) {
                generation.incrementAndGet(); // FLUSHALL / FLUSHDB: every key changed
            } else {
                versions.incrementAndGet(stripe(tagOf(key)));
            }
        }

        @Override
        public void onPong(String sentAt) {
            try {
                long sent = Long.parseLong(sentAt);
                if (sent - answeredPingSentAt > 0) {
                    answeredPingSentAt = sent;
                }
            } catch (NumberFormatException e) {
                // not one of ours
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Subscriber s = subscriber;
        if (s != null) {
            try {
                s.unsubscribe();
            } catch (RuntimeException e) {
                // the connection is gone already
            }
        }
        if (listener != null) {
            listener.interrupt();
            pinger.interrupt();
        }
        generation.incrementAndGet();
    }
}
