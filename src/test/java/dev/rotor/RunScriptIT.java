package dev.rotor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bin/run}, the README's command for running the service: its first run after a build
 * records the JVM's startup cache and writes it on exit; the next run loads it.
 */
class RunScriptIT {
    private static final String RECORDING = "recording the JVM's startup cache";

    @TempDir
    Path dir;

    @Test
    void theSecondRunLoadsTheStartupCacheTheFirstRunWrote() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the JDK AOT cache (-XX:AOTCacheOutput) needs Java 25");
        Path cache = dir.resolve("rotor.aot");
        Map<String, String> env = new HashMap<>(Map.of("JAVA_AOT_CACHE", cache.toString(), "ROTOR_MAX_REQUESTS", "0",
                                                       "ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0S"));
        try (JarProcess first = JarProcess.script("bin/run", env)) {
            first.awaitReady();
            assertThat(Http.status(first.port(), "/"), is(200));
            first.sigterm();
            assertThat("exit status; log:\n" + first.output(), first.awaitExit(Duration.ofSeconds(90)), is(0));
            assertThat(first.output(), containsString(RECORDING));
        }
        assertThat("the cache written at exit", Files.size(cache), greaterThan(1_000_000L));

        // AOTMode=on: the JVM refuses to start unless it can map and use this cache
        env.put("JAVA_OPTS", "-XX:AOTMode=on");
        try (JarProcess second = JarProcess.script("bin/run", env)) {
            second.awaitReady();
            assertThat(Http.status(second.port(), "/"), is(200));
            assertThat(second.output(), not(containsString(RECORDING)));
        }
    }
}
