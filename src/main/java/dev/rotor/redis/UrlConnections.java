package dev.rotor.redis;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * One Redis at a fixed URL ({@code REDIS_URL}): a bounded {@link JedisPool}. Building it never
 * touches the network.
 */
final class UrlConnections implements RedisConnections {
    private final JedisPool pool;
    private final RedisConfig config;

    UrlConnections(RedisConfig config) {
        this.config = config;
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        SharedRedis.bound(poolConfig, config);
        this.pool = new JedisPool(poolConfig,
                                  config.url().orElseThrow(),
                                  (int) config.connectTimeout().toMillis(),
                                  (int) config.socketTimeout().toMillis());
    }

    @Override
    public Jedis borrow() {
        return pool.getResource();
    }

    @Override
    public Jedis openDedicated(java.time.Duration socketTimeout) {
        return new Jedis(config.url().orElseThrow(), (int) config.connectTimeout().toMillis(), (int) socketTimeout.toMillis());
    }

    @Override
    public int active() {
        return pool.getNumActive();
    }

    @Override
    public int idle() {
        return pool.getNumIdle();
    }

    @Override
    public int waiting() {
        return pool.getNumWaiters();
    }

    @Override
    public void close() {
        pool.close();
    }
}
