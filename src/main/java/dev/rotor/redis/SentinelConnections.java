package dev.rotor.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.providers.SentineledConnectionProvider;
import redis.clients.jedis.util.Delay;
import redis.clients.jedis.util.Pool;

/**
 * Connections to whichever primary the Sentinels name ({@code REDIS_SENTINELS}). Jedis's
 * {@link SentineledConnectionProvider} (what {@code RedisSentinelClient} runs on) asks the
 * Sentinels for the primary, subscribes to each Sentinel's {@code +switch-master} and, on a
 * failover, swaps its pool for one to the new primary. The provider is used directly rather
 * than through {@code RedisSentinelClient} because {@link SharedRedis} hands callers a
 * {@link Jedis} on one pooled connection (a script and its {@code NOSCRIPT} reload, or a
 * command and its {@code WAIT}, must share the connection), which the client's
 * per-command API does not offer.
 *
 * <p>Building the provider asks the Sentinels at once and fails when none answers. A replica
 * must still start when the Sentinels are away (Redis is an outage, not a failed start), so a
 * failed first try is repeated in the background every {@code retry} until one answers;
 * meanwhile {@link #borrow()} fails at once and callers use their local fallback.
 */
final class SentinelConnections implements RedisConnections {
    private static final System.Logger LOG = System.getLogger(SentinelConnections.class.getName());

    private final SentinelConfig sentinel;
    private final Duration retry;
    private final Set<HostAndPort> sentinels = new LinkedHashSet<>();
    private final JedisClientConfig primaryClient;
    private final JedisClientConfig sentinelClient;
    private final GenericObjectPoolConfig<Connection> poolConfig = new GenericObjectPoolConfig<>();
    private final AtomicReference<SentineledConnectionProvider> provider = new AtomicReference<>();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private volatile String lastFailure = "not asked yet";

    /**
     * @param config settings with {@code sentinel()} present
     */
    SentinelConnections(RedisConfig config) {
        this.sentinel = config.sentinel().orElseThrow();
        this.retry = config.openFor();
        sentinel.addresses().forEach(a -> sentinels.add(new HostAndPort(a.host(), a.port())));
        SharedRedis.bound(poolConfig, config);
        this.primaryClient = clientConfig(config, sentinel.user(), sentinel.password());
        this.sentinelClient = clientConfig(config, java.util.Optional.empty(), sentinel.sentinelPassword());
        if (!connect()) {
            LOG.log(Level.WARNING, "none of the " + sentinel.describe() + " named a primary (" + lastFailure
                    + "); shared features run locally until one does, asking again every " + retry);
            Thread.ofVirtual().name("rotor-redis-sentinels").start(this::keepAsking);
        }
    }

    private static JedisClientConfig clientConfig(RedisConfig config, java.util.Optional<String> user,
                                                  java.util.Optional<String> password) {
        // RESP2 as the URL mode speaks; unset, Jedis negotiates and logs a warning per connection
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) config.connectTimeout().toMillis())
                .socketTimeoutMillis((int) config.socketTimeout().toMillis())
                .resp2();
        password.ifPresent(builder::password);
        user.ifPresent(builder::user);
        return builder.build();
    }

    private boolean connect() {
        SentineledConnectionProvider built;
        try {
            // a Sentinel that drops the watch connection is asked again after `retry`
            built = new SentineledConnectionProvider(sentinel.master(), primaryClient, poolConfig, sentinels,
                                                     sentinelClient, Delay.constant(retry));
        } catch (JedisException e) {
            lastFailure = e.getMessage();
            return false;
        }
        lock.lock();
        try {
            if (closed) {
                built.close();
                return true;
            }
            provider.set(built);
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, sentinel.describe() + " name the primary " + built.getCurrentMaster()
                + "; following its failovers");
        return true;
    }

    private void keepAsking() {
        while (!closed) {
            try {
                Thread.sleep(retry);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (!closed && connect()) {
                return;
            }
        }
    }

    @Override
    public Jedis borrow() {
        SentineledConnectionProvider p = provider.get();
        if (p == null) {
            throw new JedisConnectionException("no primary known: none of the " + sentinel.describe()
                                                       + " has answered yet (" + lastFailure + ")");
        }
        return new Jedis(p.getConnection());
    }

    @Override
    public Jedis openDedicated(Duration socketTimeout) {
        SentineledConnectionProvider p = provider.get();
        if (p == null) {
            throw new JedisConnectionException("no primary known: none of the " + sentinel.describe()
                                                       + " has answered yet (" + lastFailure + ")");
        }
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(primaryClient.getConnectionTimeoutMillis())
                .socketTimeoutMillis((int) socketTimeout.toMillis())
                .resp2();
        sentinel.password().ifPresent(client::password);
        return new Jedis(p.getCurrentMaster(), client.build());
    }

    @Override
    public int active() {
        Pool<Connection> pool = pool();
        return pool == null ? 0 : pool.getNumActive();
    }

    @Override
    public int idle() {
        Pool<Connection> pool = pool();
        return pool == null ? 0 : pool.getNumIdle();
    }

    @Override
    public int waiting() {
        Pool<Connection> pool = pool();
        return pool == null ? 0 : pool.getNumWaiters();
    }

    private Pool<Connection> pool() {
        SentineledConnectionProvider p = provider.get();
        return p == null ? null : p.getPrimaryNodesConnectionMap().values().iterator().next();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            SentineledConnectionProvider p = provider.getAndSet(null);
            if (p != null) {
                p.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
