package dev.rotor.feature;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The drop-in proved by dropping it in: examples/hello/HelloRotor.java, a Helidon SE app whose
 * only Rotor line is {@code .update(RotorFeature.create(config))}, run from source against the
 * built jar under a compose-like supervisor (restart on exit). It rotates like the main service:
 * serves its quota, drains with readiness down, exits 0, and its replacement serves again.
 */
class HelloRotorIT {
    private static final Path PROGRAM = Path.of("examples/hello/HelloRotor.java");

    @Test
    void theExampleRotatesThroughTheFeatureAloneAndComesBackUnderARestartOnExitSupervisor() {
        int port = JarProcess.freePort();
        Map<String, String> env = Map.of("PORT", Integer.toString(port),
                                         "ROTOR_MAX_REQUESTS", "4", "ROTOR_MAX_REQUESTS_JITTER", "0",
                                         "ROTOR_DRAIN_PERIOD", "PT1S", "ROTOR_EXIT_MODE", "exit",
                                         "ROTOR_RATE_LIMIT", "5/PT1M", "ROTOR_EXPECTED_REPLICAS", "1");
        Set<String> replicas = new HashSet<>();
        for (int life = 0; life < 2; life++) {
            try (JarProcess p = JarProcess.source(PROGRAM, env).awaitReady()) {
                String status = Http.get(port, "/observe/replica").body();
                assertThat(status, containsString("\"quota\":4"));
                replicas.add(status.replaceAll(".*\"id\":\"([0-9a-f]+)\".*", "$1"));
                for (int i = 0; i < 4; i++) {
                    assertThat(Http.get(port, "/hello").body(), is("hello\n"));
                }
                Await.equal("readiness during the drain", Duration.ofSeconds(20),
                            () -> Http.status(port, "/observe/health/ready"), 503);
                assertThat("requests during the drain are served", Http.status(port, "/hello"), is(200));
                assertThat("admission from the same line: the sixth request in a minute is limited",
                           Http.status(port, "/hello"), is(429));
                assertThat(p.awaitExit(Duration.ofSeconds(30)), is(0));
                assertThat(p.output(), containsString("reached its quota (4 of 4 requests"));
            }
        }
        assertThat("the supervisor's restart is a fresh replica", replicas.size(), is(2));
    }
}
