package dev.rotor.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.SafeEncoder;

/**
 * The replica's one Redis client, built once in {@code Replica} and closed on shutdown.
 * A bounded pool ({@code pool-max}) whose borrow, connect and reply waits are all bounded,
 * behind a {@link RedisCircuit}: once Redis has failed a few times in a row, calls fail at
 * once with {@link RedisUnavailableException} and callers use their local fallback.
 * The pool reaches one Redis at {@code REDIS_URL}, or whichever primary the Sentinels name
 * ({@code REDIS_SENTINELS}): after a failover, the circuit's next probe lands on the new
 * primary and every feature (rate limit, sessions, fleet lease, replica count) resumes there
 * without a restart. Building it never touches the network with a URL (with Sentinels it asks
 * them once, bounded by the connect timeout), so a Redis that is down at boot is an outage
 * like any other, not a failed start.
 *
 * <p>It also says which Redis it is using: the address and role of the node that last
 * answered ({@link #node()}), how often that address changed (failovers seen), and, through
 * the circuit, how long the replica ran on its local fallback; one log line per change.
 */
public final class SharedRedis implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SharedRedis.class.getName());

    private final RedisConfig config;
    private final RedisConnections connections;
    private final RedisCircuit circuit;
    private final ReentrantLock noticing = new ReentrantLock();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicBoolean unreplicated = new AtomicBoolean();
    private volatile RedisNode node;
    private volatile Consumer<RedisNode> nodeListener = n -> { };

    /**
     * @param config    settings; {@code config.enabled()} must be true
     * @param nanoClock monotonic clock for the circuit
     */
    public SharedRedis(RedisConfig config, LongSupplier nanoClock) {
        this.config = config;
        this.circuit = new RedisCircuit(config.failureThreshold(), config.openFor(), nanoClock);
        LOG.log(Level.INFO, "Redis at " + config.safeUrl() + ": pool max " + config.poolMax() + ", connect "
                + config.connectTimeout() + ", reply " + config.socketTimeout() + ", borrow " + config.borrowTimeout()
                + ", circuit opens after " + config.failureThreshold() + " failures for " + config.openFor());
        this.connections = config.sentinel().isPresent() ? new SentinelConnections(config) : new UrlConnections(config);
    }

    /**
     * The pool bounds shared by both kinds of connections.
     *
     * @param poolConfig the pool's settings, changed in place
     * @param config     Redis settings
     * @param <T>        pooled type
     */
    static <T> void bound(GenericObjectPoolConfig<T> poolConfig, RedisConfig config) {
        poolConfig.setMaxTotal(config.poolMax());
        poolConfig.setMaxIdle(config.poolMax());
        poolConfig.setMinIdle(0);
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setMaxWait(config.borrowTimeout());
        // no validation round trip per borrow: a broken connection fails its command, which
        // the circuit counts, and is then discarded as broken
        poolConfig.setTestOnBorrow(false);
        poolConfig.setJmxEnabled(false);
    }

    /**
     * Run one Redis operation on a pooled connection, guarded by the circuit.
     *
     * @param operation what to do with the connection
     * @param <T>       result type
     * @return the operation's result
     * @throws RedisUnavailableException when the circuit is open or the call failed
     */
    public <T> T execute(Function<Jedis, T> operation) {
        if (!circuit.tryAcquire()) {
            throw new RedisUnavailableException("Redis circuit is " + circuit.state() + "; using the local fallback", null);
        }
        try (Jedis jedis = connections.borrow()) {
            T result = operation.apply(jedis);
            circuit.onSuccess();
            notice(jedis);
            return result;
        } catch (RuntimeException e) {
            // JedisException (a READONLY reply from a demoted primary included) and pool exhaustion
            circuit.onFailure(e);
            throw new RedisUnavailableException("Redis call failed: " + e.getMessage()
                    + " (pool total=" + (active() + idle()) + ", active=" + active() + ", idle=" + idle()
                    + ", waiting=" + waiting() + ")", e);
        }
    }

    /**
     * Run one Lua script ({@code EVALSHA}, reloaded on {@code NOSCRIPT}) on a pooled connection,
     * guarded by the circuit like {@link #execute}.
     *
     * @param script the script
     * @param keys   KEYS, every one under the service's namespace
     * @param args   ARGV
     * @return the script's reply
     * @throws RedisUnavailableException when the circuit is open or the call failed
     */
    public Object run(RedisScript script, List<String> keys, List<String> args) {
        return execute(jedis -> script.run(jedis, keys, args));
    }

    /**
     * Like {@link #run(RedisScript, List, List)}, with the arguments built only when the call is
     * made: while the circuit is open, a caller whose arguments cost something to build (a whole
     * session as JSON) pays nothing.
     *
     * @param script the script
     * @param keys   KEYS
     * @param args   builds ARGV
     * @return the script's reply
     * @throws RedisUnavailableException when the circuit is open or the call failed
     */
    public Object run(RedisScript script, List<String> keys, Supplier<List<String>> args) {
        return execute(jedis -> script.run(jedis, keys, args.get()));
    }

    /**
     * Run one Lua script many times on one pooled connection, pipelined: one round trip for the
     * whole batch (the script is loaded first in the same pipeline, so {@code NOSCRIPT} cannot
     * happen). Guarded by the circuit like {@link #execute}; for background batches, never for
     * a request's own call.
     *
     * @param script the script
     * @param calls  KEYS and ARGV of each call, in order
     * @return each call's reply, in order
     * @throws RedisUnavailableException when the circuit is open or the batch failed
     */
    public List<Object> runAll(RedisScript script, List<RedisScript.Call> calls) {
        return execute(jedis -> script.runAll(jedis, calls));
    }

    /**
     * A connection of its own, outside the pool and the circuit, for a caller that holds it open
     * (a subscriber). Every such connection is made here, so that it reaches the Redis the pool
     * reaches (and follows it when that changes). The caller closes it, and opens another after
     * a failure.
     *
     * @param socketTimeout bound on one read
     * @return a connected client
     * @throws redis.clients.jedis.exceptions.JedisException when Redis cannot be reached
     */
    public Jedis openDedicated(Duration socketTimeout) {
        Jedis jedis = connections.openDedicated(socketTimeout);
        jedis.ping(); // connect now, so that a Redis that is down fails here
        return jedis;
    }

    /**
     * Like {@link #run}, then, with Sentinels, wait (Redis {@code WAIT}) until one replica has the
     * write or half the reply timeout has passed, whichever comes first. For rare writes whose
     * loss in a failover matters (a fleet rotation slot): a write a replica acknowledged survives
     * the primary's death when that replica is promoted. A replica that does not acknowledge in
     * time does not fail the call; the write is then as durable as any other.
     *
     * @param script the script
     * @param keys   KEYS
     * @param args   ARGV
     * @return the script's reply
     * @throws RedisUnavailableException when the circuit is open or the call failed
     */
    public Object runReplicated(RedisScript script, List<String> keys, List<String> args) {
        if (config.sentinel().isEmpty()) {
            return run(script, keys, args);
        }
        long waitMillis = Math.max(1, config.socketTimeout().toMillis() / 2);
        return execute(jedis -> {
            Object reply = script.run(jedis, keys, args);
            boolean acked = jedis.waitReplicas(1, waitMillis) >= 1;
            // said once per change: while the primary has no replica, every such write would repeat it
            if (acked == unreplicated.getAndSet(!acked)) {
                LOG.log(acked ? Level.INFO : Level.WARNING, acked
                        ? "a replica acknowledges " + script + " writes again"
                        : "no replica acknowledged " + script + " within " + waitMillis + " ms (none connected, or "
                                + "lagging); until one does, a failover can lose such a write");
            }
            return reply;
        });
    }

    /**
     * After a successful call: when the connection's address is not the one last seen (the first
     * call, or the first after a failover), ask the node its role and say so once.
     */
    private void notice(Jedis jedis) {
        String address;
        try {
            address = jedis.getConnection().getHostAndPort().toString();
        } catch (RuntimeException e) {
            return;
        }
        RedisNode seen = node;
        if (seen != null && seen.address().equals(address)) {
            return;
        }
        if (!noticing.tryLock()) {
            return; // another call is noticing the same change
        }
        try {
            RedisNode before = node;
            if (before != null && before.address().equals(address)) {
                return;
            }
            RedisNode now = new RedisNode(address, role(jedis));
            node = now;
            if (before == null) {
                LOG.log(Level.INFO, "Redis in use: " + now.address() + " (" + now.role() + ")");
            } else {
                long n = failovers.incrementAndGet();
                LOG.log(Level.WARNING, "Redis in use: " + now.address() + " (" + now.role() + "), was "
                        + before.address() + ": primary change #" + n + " seen by this replica");
            }
            nodeListener.accept(now);
        } finally {
            noticing.unlock();
        }
    }

    private static String role(Jedis jedis) {
        try {
            Object first = jedis.role().getFirst();
            String word = first instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(first);
            return switch (word) {
                case "master" -> "primary";
                case "slave" -> "replica";
                default -> word;
            };
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * @param listener told of every change of the node in use (one listener: the metrics)
     */
    void onNodeChange(Consumer<RedisNode> listener) {
        this.nodeListener = listener;
    }

    /** @return the node that last answered, empty before the first successful call */
    public Optional<RedisNode> node() {
        return Optional.ofNullable(node);
    }

    /** @return how often the node in use changed address after the first (failovers seen) */
    public long failovers() {
        return failovers.get();
    }

    /** @return the circuit */
    public RedisCircuit circuit() {
        return circuit;
    }

    /** @return the settings */
    public RedisConfig config() {
        return config;
    }

    /** @return connections borrowed right now */
    public int active() {
        return connections.active();
    }

    /** @return idle pooled connections */
    public int idle() {
        return connections.idle();
    }

    /** @return threads waiting for a connection */
    public int waiting() {
        return connections.waiting();
    }

    /** @return the pool's bound */
    public int max() {
        return config.poolMax();
    }

    /** @return the configured reply timeout */
    public Duration socketTimeout() {
        return config.socketTimeout();
    }

    @Override
    public void close() {
        connections.close();
    }
}
