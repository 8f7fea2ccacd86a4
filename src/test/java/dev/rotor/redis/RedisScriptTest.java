package dev.rotor.redis;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The one script runner against a real redis-server: scripts go by SHA, a server that forgot
 * them (restart, {@code SCRIPT FLUSH}) gets them again without the caller noticing, and the
 * circuit guards scripts like any other call.
 */
class RedisScriptTest {
    private static final RedisScript COUNT = RedisScript.load(RedisScriptTest.class, "count.lua");

    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer server;
    private SharedRedis redis;

    @BeforeEach
    void start() {
        server = real.server();
        redis = real.client(real.config(2, Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(200), 3,
                                        Duration.ofMinutes(1)), System::nanoTime);
    }

    private long count(long step) {
        return (Long) redis.run(COUNT, List.of("rotor:test:counter"), List.of(Long.toString(step)));
    }

    /** @return successful calls of {@code command} since the last CONFIG RESETSTAT */
    private long succeeded(String command) {
        String stats = redis.execute(j -> j.info("commandstats"));
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+),.*failed_calls=(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) - Long.parseLong(m.group(2)) : 0;
    }

    @Test
    void aScriptRedisForgotBetweenTwoCallsIsSentAgainTransparently() {
        assertThat(count(2), is(2L));
        assertThat(server.command("SCRIPT", "FLUSH"), is("+OK"));
        assertThat(redis.execute(j -> j.scriptExists(COUNT.sha())), is(false));
        assertThat(count(3), is(5L));
        assertThat("the reload cached it under the SHA the runner sends", redis.execute(j -> j.scriptExists(COUNT.sha())),
                   is(true));
    }

    @Test
    void aKnownScriptCostsOneEvalshaAndNoEval() {
        count(1); // loads it
        assertThat(server.command("CONFIG", "RESETSTAT"), is("+OK"));
        count(1);
        count(1);
        assertThat(succeeded("evalsha"), is(2L));
        assertThat(succeeded("eval"), is(0L));
    }

    @Test
    void scriptsGoThroughTheCircuit() {
        count(1);
        server.stop();
        for (int i = 0; i < 3; i++) {
            assertThrows(RedisUnavailableException.class, () -> count(1));
        }
        assertThat(redis.circuit().state(), is(CircuitState.OPEN));
        RedisUnavailableException refused = assertThrows(RedisUnavailableException.class, () -> count(1));
        assertThat(refused.getMessage(), containsString("circuit is OPEN"));
    }

    @Test
    void aMissingScriptFailsWhenLoadedAndNamesItself() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                                               () -> RedisScript.load(RedisScriptTest.class, "absent.lua"));
        assertThat(e.getMessage(), containsString("absent.lua"));
    }
}
