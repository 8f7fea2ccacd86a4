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
 * trains the JVM's startup cache with the training workload, then serves with it; the next
 * run loads it without training. Neither prints a JDK warning. Without {@code ROTOR_HOST} it
 * listens on loopback only and says so. The JIT follows the quota: both
 * compilers for a replica without one, C1 alone for the default quota.
 */
class RunScriptIT {
    private static final String RECORDING = "training the JVM's startup cache";

    @TempDir
    Path dir;

    @Test
    void theSecondRunLoadsTheStartupCacheTheFirstRunWrote() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the JDK AOT cache (-XX:AOTCacheOutput) needs Java 25");
        Path cache = dir.resolve("rotor.aot");
        Map<String, String> env = new HashMap<>(Map.of("JAVA_AOT_CACHE", cache.toString(), "ROTOR_MAX_REQUESTS", "0",
                                                       "ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0S"));
        try (JarProcess first = JarProcess.script("bin/run", env)) {
            // the first run trains the cache before it serves: ~10 s alone, longer on a busy machine
            first.awaitReady(Duration.ofSeconds(180));
            assertThat("trained before the replica served", Files.size(cache), greaterThan(1_000_000L));
            assertThat(Http.status(first.port(), "/"), is(200));
            first.sigterm();
            assertThat("exit status; log:\n" + first.output(), first.awaitExit(Duration.ofSeconds(90)), is(0));
            assertThat(first.output(), containsString(RECORDING));
            assertThat("no quota: both JIT compilers", first.output(), containsString("jit full (C1 and C2)"));
            assertThat("early compilation is for the quick JIT only", first.output(), not(containsString("early compilation")));
            assertThat("the full JIT gets the warm-up", first.output(), not(containsString("no warm-up")));
            assertThat("no JDK warning at start", first.output(), not(containsString("[warning]")));
        }

        // AOTMode=on: the JVM refuses to start unless it can map and use this cache (trained
        // with both JIT compilers, and loaded here by the quick one that the default quota gets)
        env.put("JAVA_OPTS", "-XX:AOTMode=on");
        env.remove("ROTOR_MAX_REQUESTS");
        // as a user's shell has it: no ROTOR_HOST (empty is unset to bin/run)
        env.put("ROTOR_HOST", "");
        try (JarProcess second = JarProcess.script("bin/run", env)) {
            second.awaitReady();
            assertThat(Http.status(second.port(), "/"), is(200));
            assertThat("a local try listens on loopback only, and says so", second.output(),
                       containsString("bin/run listens on 127.0.0.1 only (ROTOR_HOST=0.0.0.0 for every interface)"));
            assertThat(second.output(), containsString("host=127.0.0.1"));
            assertThat(second.output(), not(containsString(RECORDING)));
            assertThat("the default quota: C1 only, compiling early what the cache's training compiled",
                       second.output(), containsString("jit quick (C1 only) with early compilation"));
            assertThat("so no warm-up delays its readiness", second.output(),
                       containsString("no warm-up (rotor.warmup.requests=auto"));
            assertThat("no JDK warning at start", second.output(), not(containsString("[warning]")));
        }
    }
}
