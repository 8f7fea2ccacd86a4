package dev.rotor.admission;

import java.time.Duration;

import dev.rotor.redis.SharedRedis;
import dev.rotor.support.Await;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The contract against a real redis-server, plus what only Redis does: keys that expire,
 * the script cache, one count across limiters.
 */
class RedisRateLimiterTest extends RateLimiterContract {
    @RegisterExtension
    static final RealRedis REDIS = new RealRedis();
    private SharedRedis redis;

    @BeforeEach
    void connect() {
        redis = REDIS.client(REDIS.config(4, Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(200), 3,
                                          Duration.ofMillis(300)), System::nanoTime);
    }

    /** One request per lease: every decision is one call, as before leases. */
    int slice() {
        return 1;
    }

    @Override
    RateLimiter limiter(RateLimit limit) {
        return limiter(limit, "rotor:rate-test:");
    }

    RedisRateLimiter limiter(RateLimit limit, String namespace) {
        int slice = slice();
        return new RedisRateLimiter(redis, limit, now::get, namespace, () -> slice, Duration.ofSeconds(5), 1000,
                                    Thread.ofVirtual()::start);
    }

    static RedisTestServer server() {
        return REDIS.server();
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
        long pttl = Long.parseLong(server().command("PTTL", "rotor:rate-test:rate:a").substring(1));
        assertThat("PTTL " + pttl, pttl > 3000 && pttl <= 4000, is(true));
    }

    @Test
    void aDecisionWaitsForAFrozenRedisAtMostItsWaitWhoeverStartedTheCall() {
        // the reply timeout is ten minutes, the decision's wait 0.2 s: decisions that waited for
        // the call itself would outlast the generous minute given them by far
        RedisRateLimiter limiter = new RedisRateLimiter(
                REDIS.client(REDIS.config(4, Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(10), 3,
                                          Duration.ofMinutes(10)), System::nanoTime),
                LIMIT, now::get, "rotor:rate-test:", this::slice, Duration.ofMillis(200), 1000,
                Thread.ofVirtual()::start);
        assertThat(limiter.decide("warm").allowed(), is(true)); // a pooled connection exists
        server().pause();
        try {
            Await.finishes("three decisions while Redis is frozen", Duration.ofMinutes(1), () -> {
                assertThrows(RedisRateLimiter.Undecided.class, () -> limiter.decide("a"));
                assertThrows(RedisRateLimiter.Undecided.class, () -> limiter.decide("a"));
                // another client meets the overdue call: decided locally at once, no second call
                assertThrows(RedisRateLimiter.Undecided.class, () -> limiter.decide("b"));
            });
            assertThat("one call to the frozen Redis", limiter.leaseCalls(), is(2L));
        } finally {
            server().resume();
        }
    }

    @Test
    void worksAgainAfterRedisForgetsTheScript() {
        RateLimiter limiter = limiter(LIMIT);
        assertThat(limiter.decide("a").allowed(), is(true));
        assertThat(server().command("SCRIPT", "FLUSH"), startsWith("+OK"));
        RateDecision d = limiter.decide("a");
        assertThat(d.allowed(), is(true));
        assertThat(d.remaining(), is(3L));
    }

    @Test
    void twoLimitersOnOneRedisShareOneCount() {
        RateLimiter first = limiter(LIMIT);
        RateLimiter second = limiter(LIMIT, "rotor:rate-test:");
        for (int i = 0; i < 5; i++) {
            assertThat((i % 2 == 0 ? first : second).decide("a").allowed(), is(true));
        }
        assertThat(first.decide("a").allowed(), is(false));
        assertThat(second.decide("a").allowed(), is(false));
    }

    @Test
    void servicesSharingOneRedisKeepSeparateCounts() {
        RateLimiter shop = limiter(LIMIT, "rotor:shop:");
        RateLimiter search = limiter(LIMIT, "rotor:search:");
        for (int i = 0; i < 5; i++) {
            assertThat(shop.decide("a").allowed(), is(true));
        }
        assertThat(shop.decide("a").allowed(), is(false));
        assertThat("the same client of another service has its own allowance", search.decide("a").allowed(), is(true));
        assertThat(server().command("EXISTS", "rotor:shop:rate:a"), is(":1"));
        assertThat(server().command("EXISTS", "rotor:search:rate:a"), is(":1"));
    }
}
