package dev.rotor.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.rotor.lifecycle.LifecycleConfig;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The timeout chain as a replica reads it at startup: through the lifecycle's settings, which
 * every replica builds first, with the environment a user sets.
 */
class TimeoutChainTest {
    private static LifecycleConfig lifecycle(Map<String, String> env) {
        return LifecycleConfig.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor").node("lifecycle"));
    }

    private static TimeoutChain chain(Map<String, String> env) {
        return TimeoutChain.from(Settings.of(ConfigLoader.load(env, Map.of())).node("rotor"));
    }

    private static String refusal(Map<String, String> env) {
        return assertThrows(InvalidSettingException.class, () -> lifecycle(env)).getMessage();
    }

    @Test
    void theDefaultsHoldTheChainWithTheDrainPeriodIncluded() {
        TimeoutChain c = chain(Map.of());
        assertThat(c.drainTimeout(), greaterThan(c.drainPeriod().plus(c.allowed())));
        assertThat(c.drainTimeout(), greaterThan(c.shutdownDrainPeriod().plus(c.allowed())));
        assertThat("the outer layers are unknown unless a deployment says them", c.frontTimeout(), is(Optional.empty()));
        assertThat(c.stopGracePeriod(), is(Optional.empty()));
    }

    @Test
    void aDrainTimeoutShorterThanTheRequestTimeoutIsRefusedNamingBoth() {
        // the deploy files' old values: a drain of 30 s cut requests allowed 60 s
        String message = refusal(Map.of("ROTOR_DRAIN_TIMEOUT", "PT30S"));
        assertThat(message, containsString("the timeout chain is broken"));
        assertThat(message, containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT30S must be longer than "
                + "ROTOR_QUEUE_TIMEOUT (rotor.admission.queue-timeout) + ROTOR_REQUEST_TIMEOUT or GUNICORN_TIMEOUT "
                + "(rotor.wire.request-timeout) = PT1S + PT1M"));
    }

    @Test
    void aDrainTimeoutEqualToWhatARequestMayTakeIsRefused() {
        assertThat(refusal(Map.of("ROTOR_QUEUE_TIMEOUT", "PT1S", "ROTOR_REQUEST_TIMEOUT", "PT30S",
                                  "ROTOR_DRAIN_PERIOD", "PT1S", "ROTOR_DRAIN_TIMEOUT", "PT31S")),
                   containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT31S must be longer than"));
        LifecycleConfig oneMore = lifecycle(Map.of("ROTOR_QUEUE_TIMEOUT", "PT1S", "ROTOR_REQUEST_TIMEOUT", "PT30S",
                                                   "ROTOR_DRAIN_PERIOD", "PT1S", "ROTOR_DRAIN_TIMEOUT", "PT32S"));
        assertThat(oneMore.drainTimeout(), is(Duration.ofSeconds(32)));
    }

    @Test
    void gunicornTimeoutsCountAsTheirRotorNames() {
        // gunicorn's own defaults (timeout 30, graceful_timeout 30) race: refused
        String message = refusal(Map.of("GUNICORN_TIMEOUT", "30", "GUNICORN_GRACEFUL_TIMEOUT", "30"));
        assertThat(message, containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT30S"));
        assertThat(message, containsString("ROTOR_REQUEST_TIMEOUT or GUNICORN_TIMEOUT (rotor.wire.request-timeout) = PT1S + PT30S"));
        assertThat(lifecycle(Map.of("GUNICORN_TIMEOUT", "30", "GUNICORN_GRACEFUL_TIMEOUT", "45")).drainTimeout(),
                   is(Duration.ofSeconds(45)));
    }

    @Test
    void everyBrokenLinkIsNamedInOneRefusal() {
        // the compose user: slow requests allowed, the drain, the front and the grace left behind
        String message = refusal(Map.of("GUNICORN_TIMEOUT", "120", "ROTOR_DRAIN_TIMEOUT", "PT50S",
                                        "ROTOR_FRONT_TIMEOUT", "70s", "ROTOR_STOP_GRACE_PERIOD", "40s"));
        assertThat(message, containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT50S must be longer than"));
        assertThat(message, containsString("ROTOR_FRONT_TIMEOUT (rotor.chain.front-timeout) = PT1M10S must be longer than "
                + "ROTOR_QUEUE_TIMEOUT (rotor.admission.queue-timeout) + ROTOR_REQUEST_TIMEOUT or GUNICORN_TIMEOUT "
                + "(rotor.wire.request-timeout) = PT1S + PT2M: the front would answer a slow request with its own 504"));
        assertThat(message, containsString("ROTOR_STOP_GRACE_PERIOD (rotor.chain.stop-grace-period) = PT40S must be longer "
                + "than ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT50S"));
    }

    @Test
    void theFrontAndTheGraceAreCheckedOnlyWhenTheDeploymentSaysThem() {
        String front = refusal(Map.of("ROTOR_FRONT_TIMEOUT", "61s"));
        assertThat(front, containsString("ROTOR_FRONT_TIMEOUT (rotor.chain.front-timeout) = PT1M1S must be longer than"));
        assertThat(front, not(containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = ")));
        assertThat(refusal(Map.of("ROTOR_STOP_GRACE_PERIOD", "75s")),
                   containsString("ROTOR_STOP_GRACE_PERIOD (rotor.chain.stop-grace-period) = PT1M15S must be longer than"));
        TimeoutChain held = chain(Map.of("ROTOR_FRONT_TIMEOUT", "62s", "ROTOR_STOP_GRACE_PERIOD", "2m"));
        assertThat(held.frontTimeout(), is(Optional.of(Duration.ofSeconds(62))));
        assertThat(held.stopGracePeriod(), is(Optional.of(Duration.ofMinutes(2))));
        assertThat("empty: not checked", chain(Map.of("ROTOR_FRONT_TIMEOUT", "")).frontTimeout(), is(Optional.empty()));
    }

    @Test
    void anOuterBoundIsWrittenAsHaproxyReadsIt() {
        // HAProxy reads a bare 70 as 70 ms, and refuses PT70S
        for (String value : List.of("70", "PT70S")) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> chain(Map.of("ROTOR_FRONT_TIMEOUT", value)));
            assertThat(e.getMessage(), containsString("ROTOR_FRONT_TIMEOUT (rotor.chain.front-timeout) = \"" + value
                    + "\": must be a number with a unit (ms, s, m or h)"));
            assertThat(e.key(), is("rotor.chain.front-timeout"));
        }
        assertThrows(InvalidSettingException.class, () -> chain(Map.of("ROTOR_STOP_GRACE_PERIOD", "0s")));
    }

    @Test
    void aDrainThatCoversTheRequestButNotTheDrainPeriodIsWarnedAboutAndAccepted() {
        List<String> warnings = new ArrayList<>();
        Logger logger = Logger.getLogger(TimeoutChain.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            chain(Map.of());
            assertThat("the defaults warn about nothing", warnings, is(empty()));
            // a long drain period to watch a drain by hand: the balancer stops sending long before it ends
            Map<String, String> env = new HashMap<>(Map.of("ROTOR_DRAIN_PERIOD", "PT30S", "ROTOR_DRAIN_TIMEOUT", "PT75S"));
            assertThat(lifecycle(env).drainTimeout(), is(Duration.ofSeconds(75)));
            assertThat(warnings, hasSize(1));
            assertThat(warnings.getFirst(), containsString("ROTOR_DRAIN_TIMEOUT or GUNICORN_GRACEFUL_TIMEOUT (rotor.lifecycle.drain-timeout) = PT1M15S is not "
                    + "longer than ROTOR_DRAIN_PERIOD (rotor.lifecycle.drain-period) + ROTOR_QUEUE_TIMEOUT"));
            assertThat(warnings.getFirst(), containsString("= PT30S + PT1S + PT1M"));
        } finally {
            logger.removeHandler(capture);
        }
    }
}
