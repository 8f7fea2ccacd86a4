package dev.rotor.admission;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The contract against a real redis-server, plus what only Redis does: keys that expire,
 * the script cache, one count across limiters.
 */
class RedisRateLimiterTest extends RateLimiterContract {
    private static RedisTestServer server;
    private SharedRedis redis;

    @BeforeAll
    static void startRedis() {
        server = RedisTestServer.startNew();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @BeforeEach
    void connect() {
        server.command("FLUSHALL");
        server.command("SCRIPT", "FLUSH");
        redis = new SharedRedis(new RedisConfig(Optional.of(URI.create(server.url())), 4, Duration.ofMillis(500),
                                                Duration.ofMillis(500), Duration.ofMillis(200), 3, Duration.ofMillis(300)),
                                System::nanoTime);
    }

    @AfterEach
    void disconnect() {
        redis.close();
    }

    @Override
    RateLimiter limiter(RateLimit limit) {
        return new RedisRateLimiter(redis, limit, now::get, "rotor:rate-test:");
    }

    @Override
    RateDecision.Backend backend() {
        return RateDecision.Backend.REDIS;
    }

    @Test
    void keysExpireOnceTheAllowanceIsFull() {
        RateLimiter limiter = limiter(LIMIT);
        limiter.decide("a");
        limiter.decide("a");
        // two requests occupy 2 x 2 s of the window: the key lives 4 s, then equals "never seen"
        long pttl = Long.parseLong(server.command("PTTL", "rotor:rate-test:rate:a").substring(1));
        assertThat("PTTL " + pttl, pttl > 3000 && pttl <= 4000, is(true));
    }

    @Test
    void worksAgainAfterRedisForgetsTheScript() {
        RateLimiter limiter = limiter(LIMIT);
        assertThat(limiter.decide("a").allowed(), is(true));
        assertThat(server.command("SCRIPT", "FLUSH"), startsWith("+OK"));
        RateDecision d = limiter.decide("a");
        assertThat(d.allowed(), is(true));
        assertThat(d.remaining(), is(3L));
    }

    @Test
    void twoLimitersOnOneRedisShareOneCount() {
        RateLimiter first = limiter(LIMIT);
        RateLimiter second = new RedisRateLimiter(redis, LIMIT, now::get, "rotor:rate-test:");
        for (int i = 0; i < 5; i++) {
            assertThat((i % 2 == 0 ? first : second).decide("a").allowed(), is(true));
        }
        assertThat(first.decide("a").allowed(), is(false));
        assertThat(second.decide("a").allowed(), is(false));
    }

    @Test
    void servicesSharingOneRedisKeepSeparateCounts() {
        RateLimiter shop = new RedisRateLimiter(redis, LIMIT, now::get, "rotor:shop:");
        RateLimiter search = new RedisRateLimiter(redis, LIMIT, now::get, "rotor:search:");
        for (int i = 0; i < 5; i++) {
            assertThat(shop.decide("a").allowed(), is(true));
        }
        assertThat(shop.decide("a").allowed(), is(false));
        assertThat("the same client of another service has its own allowance", search.decide("a").allowed(), is(true));
        assertThat(server.command("EXISTS", "rotor:shop:rate:a"), is(":1"));
        assertThat(server.command("EXISTS", "rotor:search:rate:a"), is(":1"));
    }
}
