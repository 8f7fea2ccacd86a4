package dev.rotor.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shared client against a real redis-server that the test kills, restarts and freezes.
 */
class SharedRedisTest {
    private RedisTestServer server;
    private SharedRedis redis;

    @BeforeEach
    void start() {
        server = RedisTestServer.startNew();
        RedisConfig config = new RedisConfig(Optional.of(URI.create(server.url())), 4, Duration.ofMillis(200),
                                             Duration.ofMillis(200), Duration.ofMillis(100), 3, Duration.ofMillis(300));
        redis = new SharedRedis(config, System::nanoTime);
    }

    @AfterEach
    void stop() {
        redis.close();
        server.close();
    }

    @Test
    void runsCommandsAndReturnsConnectionsToThePool() {
        assertThat(redis.execute(j -> j.set("k", "v")), is("OK"));
        assertThat(redis.execute(j -> j.get("k")), is("v"));
        assertThat(redis.active(), is(0));
        assertThat(redis.idle() >= 1, is(true));
    }

    @Test
    void deadRedisOpensTheCircuitThenCallsFailWithoutTouchingTheNetwork() {
        redis.execute(j -> j.ping());
        server.stop();
        for (int i = 0; i < 3; i++) {
            assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        }
        assertThat(redis.circuit().state(), is(CircuitState.OPEN));
        long start = System.nanoTime();
        assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        assertThat("an open circuit answers at once", System.nanoTime() - start, lessThan(Duration.ofMillis(5).toNanos()));
    }

    @Test
    void circuitClosesByItselfWhenRedisComesBack() {
        server.stop();
        for (int i = 0; i < 3; i++) {
            assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        }
        server.start();
        dev.rotor.support.Await.until("circuit to close", Duration.ofSeconds(5), () -> {
            try {
                return "PONG".equals(redis.execute(j -> j.ping()));
            } catch (RedisUnavailableException e) {
                return false;
            }
        });
        assertThat(redis.circuit().state(), is(CircuitState.CLOSED));
    }

    @Test
    void frozenRedisCostsAtMostTheReplyTimeoutPerCall() {
        redis.execute(j -> j.ping());
        server.pause();
        long start = System.nanoTime();
        assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        long took = System.nanoTime() - start;
        assertThat("bounded by the 200 ms reply timeout plus a margin", took, lessThan(Duration.ofMillis(700).toNanos()));
    }
}
