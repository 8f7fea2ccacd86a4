package dev.rotor.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shared client against a real redis-server that the test kills, restarts and freezes.
 * The circuit's clock is the test's: time passes only when a test says so.
 */
class SharedRedisTest {
    private static final Duration OPEN_FOR = Duration.ofMillis(300);
    private final AtomicLong nanos = new AtomicLong();
    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer server;
    private SharedRedis redis;

    @BeforeEach
    void start() {
        server = real.server();
        redis = real.client(real.config(4, Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(100), 3,
                                        OPEN_FOR), nanos::get);
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
        // Redis is back, but the circuit stays open until its clock says so: a call must fail
        // without a connection or a command reaching the server
        server.start();
        long connections = server.stat("total_connections_received");
        long commands = server.stat("total_commands_processed");
        AtomicBoolean ran = new AtomicBoolean();
        RedisUnavailableException refused = assertThrows(RedisUnavailableException.class,
                                                         () -> redis.execute(j -> ran.getAndSet(true)));
        assertThat(refused.getMessage(), containsString("circuit is OPEN"));
        assertThat("the operation never ran", ran.get(), is(false));
        // each stat() opens one connection and runs one INFO of its own
        assertThat("connections the server saw", server.stat("total_connections_received"), is(connections + 2));
        assertThat("commands the server ran", server.stat("total_commands_processed"), is(commands + 2));
        // the same count sees a call that does go through, once the circuit may probe again
        nanos.addAndGet(OPEN_FOR.toNanos());
        assertThat(redis.execute(j -> j.ping()), is("PONG"));
        assertThat(server.stat("total_connections_received"), greaterThanOrEqualTo(connections + 4));
    }

    @Test
    void circuitClosesByItselfWhenRedisComesBack() {
        server.stop();
        for (int i = 0; i < 3; i++) {
            assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        }
        server.start();
        assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        assertThat("still open before its time is up", redis.circuit().state(), is(CircuitState.OPEN));
        nanos.addAndGet(OPEN_FOR.toNanos());
        assertThat("the half-open probe", redis.execute(j -> j.ping()), is("PONG"));
        assertThat(redis.circuit().state(), is(CircuitState.CLOSED));
    }

    @Test
    void frozenRedisCostsAtMostTheReplyTimeoutPerCall() {
        assertThat("each pooled connection reads with the reply timeout", redis.execute(j -> j.getConnection().getSoTimeout()),
                   is(200));
        server.pause();
        // the reply timeout, not a longer wait, ends the call: the cause is the socket's read
        // timeout (a call that waited for Redis to wake would never end while it is frozen)
        RedisUnavailableException failed = assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        assertThat(causes(failed), containsString("SocketTimeoutException"));
        assertThat(redis.active(), is(0));
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
        }
        return b.toString();
    }
}
