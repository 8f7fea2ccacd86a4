package dev.rotor.logging;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.LogRecord;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Jedis and the AWS SDK log through SLF4J. Without a provider SLF4J drops every line (and
 * says "No SLF4J providers were found" once); with {@code slf4j-jdk14} the lines reach the
 * root JUL handlers, where the replica's level and format apply.
 */
class Slf4jRoutingTest {
    @Test
    void slf4jHasAProviderThatWritesToJul() {
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName(), is("org.slf4j.jul.JDK14LoggerFactory"));
    }

    @Test
    void jedisLinesReachTheRootHandler() {
        // a connection that cannot be made is what Jedis itself logs ("Error while makeObject"):
        // a free loopback port with nothing listening refuses it
        RedisConfig config = new RedisConfig(Optional.of(URI.create("redis://127.0.0.1:" + JarProcess.freePort())), 2,
                                             Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500), 3,
                                             Duration.ofSeconds(1));
        try (RootCapture capture = RootCapture.install("redis.clients");
             SharedRedis redis = new SharedRedis(config, System::nanoTime)) {
            assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
            List<String> jedisLines = capture.from("redis.clients").stream().map(LogRecord::getMessage).toList();
            assertThat(jedisLines, hasItem(containsString("makeObject")));
        }
    }
}
