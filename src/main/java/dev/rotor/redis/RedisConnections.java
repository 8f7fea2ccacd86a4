package dev.rotor.redis;

/**
 * Where {@link SharedRedis} gets its connections: one Redis at a URL ({@link UrlConnections}) or
 * whichever primary the Sentinels name ({@link SentinelConnections}). Every connection is
 * pooled; closing the borrowed {@code Jedis} returns it.
 */
interface RedisConnections extends AutoCloseable {
    /**
     * @return a pooled connection to the primary, to be closed after use
     * @throws RuntimeException (a Jedis exception) when none can be had in time
     */
    redis.clients.jedis.Jedis borrow();

    /**
     * A connection outside the pool, to the Redis the pool reaches now (the URL, or the primary
     * the Sentinels name), for a caller that holds it open (a subscriber).
     *
     * @param socketTimeout bound on one read
     * @return an unconnected client (its first command connects)
     */
    redis.clients.jedis.Jedis openDedicated(java.time.Duration socketTimeout);

    /** @return connections borrowed right now */
    int active();

    /** @return idle pooled connections */
    int idle();

    /** @return threads waiting for a connection */
    int waiting();

    @Override
    void close();
}
