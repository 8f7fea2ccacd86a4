package dev.rotor.logging;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;

import io.helidon.webserver.WebServer;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code ROTOR_LOG_FORMAT=json} puts a JSON formatter on every root handler, so Helidon's,
 * Jedis's (through SLF4J) and the AWS SDK's (through SLF4J) lines are all one JSON object
 * each. A stream handler on the root logger stands beside the console handler and gets the
 * same formatter.
 */
class JsonLogFormatTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private StreamHandler handler;

    @BeforeEach
    void jsonOnTheRootHandlers() {
        handler = new StreamHandler(out, new SimpleFormatter());
        Logger.getLogger("").addHandler(handler);
        // every level, so that the libraries' debug lines are formatted too
        Logging.apply(new LoggingConfig(Level.FINEST, LogFormat.JSON, false, 16));
    }

    @AfterEach
    void backToText() {
        Logging.apply(new LoggingConfig(Level.INFO, LogFormat.TEXT, false, 16));
        Logger.getLogger("").removeHandler(handler);
    }

    private List<JsonObject> lines() {
        handler.flush();
        return out.toString(StandardCharsets.UTF_8).lines().map(Json::object).toList();
    }

    @Test
    void everyLineFromHelidonJedisAndTheAwsSdkIsOneJsonObject() {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.get("/", (req, res) -> res.send("ok")))
                .build()
                .start();
        server.stop();

        RedisConfig redisConfig = new RedisConfig(Optional.of(URI.create("redis://127.0.0.1:" + JarProcess.freePort())), 2,
                                                  Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500), 3,
                                                  Duration.ofSeconds(1));
        try (SharedRedis redis = new SharedRedis(redisConfig, System::nanoTime)) {
            assertThrows(RedisUnavailableException.class, () -> redis.execute(j -> j.ping()));
        }

        try (StandInServer failing = StandInServer.start(req -> new Reply(500, Map.of("Content-Type", "text/xml"),
                                                                          "<ErrorResponse/>", Duration.ZERO, false));
             CloudWatchClient cloudWatch = CloudWatchClient.builder()
                     .region(Region.EU_WEST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATEST", "secret")))
                     .endpointOverride(URI.create(failing.url()))
                     .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
                     .build()) {
            assertThrows(SdkException.class, () -> cloudWatch.listMetrics());
        }

        List<JsonObject> lines = lines();
        for (JsonObject line : lines) {
            for (String field : List.of("timestamp", "level", "logger", "message", "thread")) {
                assertThat(line + " has " + field, line.containsKey(field), is(true));
            }
        }
        List<String> loggers = lines.stream().map(l -> l.getString("logger")).toList();
        assertThat(loggers, hasItem(startsWith("io.helidon.")));
        assertThat(loggers, hasItem(startsWith("redis.clients.")));
        assertThat(loggers, hasItem(startsWith("software.amazon.awssdk.")));
        assertThat("Jedis logs its connection failure with the exception",
                   lines.stream().anyMatch(l -> l.getString("logger").startsWith("redis.clients.")
                           && l.getString("exception", "").contains("JedisConnectionException")), is(true));
    }

    @Test
    void aMessageWithLineBreaksAndQuotesStaysOneObjectOnOneLine() {
        Logger.getLogger("dev.rotor.test").log(Level.WARNING, "two\nlines, a \"quote\", a \\ and a \u0001",
                                               new IllegalStateException("boom"));
        List<JsonObject> lines = lines();
        assertThat(lines.size(), is(1));
        JsonObject line = lines.get(0);
        assertThat(line.getString("message"), is("two\nlines, a \"quote\", a \\ and a \u0001"));
        assertThat(line.getString("level"), is("WARN"));
        assertThat(line.getString("logger"), is("dev.rotor.test"));
        assertThat(line.getString("thread"), is(Thread.currentThread().getName()));
        assertThat(line.getString("exception"), startsWith("java.lang.IllegalStateException: boom\n\tat "));
    }

    @Test
    void textGivesTheHandlersTheirFormatterBack() {
        Logging.apply(new LoggingConfig(Level.INFO, LogFormat.TEXT, false, 16));
        // the properties' line: written by hand while logging.properties keeps its format
        assertThat(handler.getFormatter() instanceof SimpleFormatter || handler.getFormatter() instanceof TextLogFormatter,
                   is(true));
        java.util.logging.LogRecord record = new java.util.logging.LogRecord(Level.INFO, "back to text");
        record.setLoggerName("dev.rotor.Test");
        assertThat(handler.getFormatter().format(record).matches(
                "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO dev\\.rotor\\.Test: back to text\\R"), is(true));
    }
}
