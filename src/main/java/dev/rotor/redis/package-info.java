/**
 * The one shared Redis client of a replica: a bounded Jedis pool with timeouts in the
 * hundreds of milliseconds, behind a circuit breaker so that a dead or hung Redis costs
 * a few slow calls and then none. The pool reaches one Redis at a URL or, with Sentinels
 * ({@link dev.rotor.redis.SentinelConfig}), whichever primary they name, and follows their
 * failovers. Features (rate limiting, sessions, rotation leases)
 * call {@link dev.rotor.redis.SharedRedis#execute} and treat
 * {@link dev.rotor.redis.RedisUnavailableException} as "use your local fallback". Every Lua
 * script is a {@code .lua} resource loaded as a {@link dev.rotor.redis.RedisScript} and run by
 * {@link dev.rotor.redis.SharedRedis#run} ({@code EVALSHA}, reloaded on {@code NOSCRIPT}); every
 * key lives under the service's namespace {@code rotor:<service-name>:}. {@link
 * dev.rotor.redis.KeyTracking} (server-assisted client-side caching on one dedicated connection
 * from {@link dev.rotor.redis.SharedRedis#openDedicated}) says when a copy read from Redis may be
 * served without asking again.
 */
package dev.rotor.redis;
