package dev.rotor.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * Redis settings ({@code rotor.redis}).
 *
 * @param url              {@code redis://[user:password@]host:port[/db]} or {@code rediss://...}; empty = no Redis.
 *                         {@code REDIS_USER} and {@code REDIS_PASSWORD} go into it when it carries no credentials
 * @param poolMax          most connections open at once
 * @param connectTimeout   TCP connect bound
 * @param socketTimeout    bound on one command's reply
 * @param borrowTimeout    longest wait for a free pooled connection
 * @param failureThreshold consecutive failures that open the circuit
 * @param openFor          how long the circuit stays open before one probe is let through
 * @param sentinel         Sentinels that name the primary (never together with {@code url})
 */
public record RedisConfig(Optional<URI> url,
                          int poolMax,
                          Duration connectTimeout,
                          Duration socketTimeout,
                          Duration borrowTimeout,
                          int failureThreshold,
                          Duration openFor,
                          Optional<SentinelConfig> sentinel) {
    /**
     * Settings for one Redis at a URL, without Sentinels.
     *
     * @param url              the Redis
     * @param poolMax          most connections open at once
     * @param connectTimeout   TCP connect bound
     * @param socketTimeout    bound on one command's reply
     * @param borrowTimeout    longest wait for a free pooled connection
     * @param failureThreshold consecutive failures that open the circuit
     * @param openFor          how long the circuit stays open before one probe
     */
    public RedisConfig(Optional<URI> url, int poolMax, Duration connectTimeout, Duration socketTimeout,
                       Duration borrowTimeout, int failureThreshold, Duration openFor) {
        this(url, poolMax, connectTimeout, socketTimeout, borrowTimeout, failureThreshold, openFor, Optional.empty());
    }

    /**
     * @param s the {@code rotor.redis} node
     * @return validated settings
     */
    public static RedisConfig from(Settings s) {
        Optional<URI> url = s.optionalString("url").map(raw -> {
            try {
                URI uri = new URI(raw);
                if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw s.invalid("url", "must look like redis://host:6379 (or rediss:// for TLS)");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw s.invalid("url", "must look like redis://host:6379 (or rediss:// for TLS)");
            }
        });
        Optional<String> user = s.optionalString("user");
        Optional<String> password = s.optionalString("password");
        if (user.isPresent() && password.isEmpty()) {
            throw s.invalid("user", "needs REDIS_PASSWORD (rotor.redis.password): an ACL user signs in with a password");
        }
        if (user.isPresent() && !user.get().matches("[A-Za-z0-9._-]{1,64}")) {
            throw s.invalid("user", "must be 1 to 64 letters, digits, dots, dashes or underscores");
        }
        // credentials written into the URL win: a URL is a whole address, as the operator wrote it
        url = url.map(u -> u.getUserInfo() != null || password.isEmpty() ? u : withCredentials(u, user, password.get()));
        Duration max = Duration.ofSeconds(10);
        return new RedisConfig(url,
                               s.integer("pool-max", 1, 10_000),
                               s.duration("connect-timeout", Duration.ofMillis(1), max),
                               s.duration("socket-timeout", Duration.ofMillis(1), max),
                               s.duration("borrow-timeout", Duration.ofMillis(1), max),
                               s.node("circuit").integer("failure-threshold", 1, 1000),
                               s.node("circuit").duration("open-for", Duration.ofMillis(10), Duration.ofMinutes(10)),
                               SentinelConfig.from(s, url.isPresent()));
    }

    private static URI withCredentials(URI u, Optional<String> user, String password) {
        try {
            // the multi-argument constructor quotes what a password may hold (@, /, %, spaces)
            return new URI(u.getScheme(), user.orElse("") + ":" + password, u.getHost(), u.getPort(), u.getPath(),
                           u.getQuery(), u.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("a URL that parsed once parses with credentials", e);
        }
    }

    /** @return whether the replica uses Redis at all (a URL or Sentinels) */
    public boolean enabled() {
        return url.isPresent() || sentinel.isPresent();
    }

    /**
     * @return the URL without credentials, or the Sentinels and master name, for logs
     */
    public String safeUrl() {
        if (sentinel.isPresent()) {
            return sentinel.get().describe();
        }
        return url.map(u -> u.getScheme() + "://" + u.getHost() + ":" + (u.getPort() < 0 ? 6379 : u.getPort())
                + (u.getPath() == null ? "" : u.getPath()))
                .orElse("(none)");
    }
}
