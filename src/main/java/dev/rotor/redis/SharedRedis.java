package dev.rotor.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The replica's one Redis client, built once in {@code Replica} and closed on shutdown.
 * A bounded pool ({@code pool-max}) whose borrow, connect and reply waits are all bounded,
 * behind a {@link RedisCircuit}: once Redis has failed a few times in a row, calls fail at
 * once with {@link RedisUnavailableException} and callers use their local fallback.
 * Building it never touches the network, so a Redis that is down at boot is an outage
 * like any other, not a failed start.
 */
public final class SharedRedis implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SharedRedis.class.getName());

    private final RedisConfig config;
    private final JedisPool pool;
    private final RedisCircuit circuit;

    /**
     * @param config    settings; {@code config.url()} must be present
     * @param nanoClock monotonic clock for the circuit
     */
    public SharedRedis(RedisConfig config, LongSupplier nanoClock) {
        this.config = config;
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(config.poolMax());
        poolConfig.setMaxIdle(config.poolMax());
        poolConfig.setMinIdle(0);
        poolConfig.setBlockWhenExhausted(true);
        poolConfig.setMaxWait(config.borrowTimeout());
        // no validation round trip per borrow: a broken connection fails its command, which
        // the circuit counts, and is then discarded as broken
        poolConfig.setTestOnBorrow(false);
        poolConfig.setJmxEnabled(false);
        this.pool = new JedisPool(poolConfig,
                                  config.url().orElseThrow(),
                                  (int) config.connectTimeout().toMillis(),
                                  (int) config.socketTimeout().toMillis());
        this.circuit = new RedisCircuit(config.failureThreshold(), config.openFor(), nanoClock);
        LOG.log(Level.INFO, "Redis at " + config.safeUrl() + ": pool max " + config.poolMax() + ", connect "
                + config.connectTimeout() + ", reply " + config.socketTimeout() + ", borrow " + config.borrowTimeout()
                + ", circuit opens after " + config.failureThreshold() + " failures for " + config.openFor());
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
        try (Jedis jedis = pool.getResource()) {
            T result = operation.apply(jedis);
            circuit.onSuccess();
            return result;
        } catch (RuntimeException e) {
            // JedisException and pool exhaustion (NoSuchElementException inside JedisException)
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
        Jedis jedis = new Jedis(config.url().orElseThrow(), (int) config.connectTimeout().toMillis(),
                                (int) socketTimeout.toMillis());
        jedis.ping(); // connect now, so that a Redis that is down fails here
        return jedis;
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
        return pool.getNumActive();
    }

    /** @return idle pooled connections */
    public int idle() {
        return pool.getNumIdle();
    }

    /** @return threads waiting for a connection */
    public int waiting() {
        return pool.getNumWaiters();
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
        pool.close();
    }
}
