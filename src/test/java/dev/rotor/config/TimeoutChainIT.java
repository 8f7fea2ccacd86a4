package dev.rotor.config;

import java.time.Duration;
import java.util.Map;

import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** The built jar refuses a broken timeout chain before it serves anything: status 2, the variables named. */
class TimeoutChainIT {
    @Test
    void theDeployFilesOldDrainTimeoutStopsStartupNamingEveryVariableToChange() {
        // what the deploy files had: a 30 s drain under a 60 s request timeout, HAProxy's 60 s
        // timeout server equal to the request timeout, and Render's default 30 s grace
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_DRAIN_TIMEOUT", "PT30S", "ROTOR_FRONT_TIMEOUT", "60s",
                                                    "ROTOR_STOP_GRACE_PERIOD", "30s"))) {
            assertThat("exit status; log:\n" + p.output(), p.awaitExit(Duration.ofSeconds(20)), is(2));
            assertThat(p.output(), containsString("rotor: invalid configuration: the timeout chain is broken"));
            assertThat(p.output(), containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT30S"));
            assertThat(p.output(), containsString("ROTOR_FRONT_TIMEOUT (rotor.chain.front-timeout) = PT1M must be longer than"));
            assertThat(p.output(), containsString("ROTOR_STOP_GRACE_PERIOD (rotor.chain.stop-grace-period) = PT30S must be longer than"));
            assertThat("nothing served", p.output().contains("bound for socket"), is(false));
        }
    }
}
