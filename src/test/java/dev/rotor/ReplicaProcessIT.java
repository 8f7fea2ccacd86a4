package dev.rotor;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The built jar as a real process: exit mode, SIGTERM with a request in flight, bad settings.
 * The settings are the ones the check uses: a quota of 30, no jitter, a 1 s drain.
 */
class ReplicaProcessIT {
    private static final Map<String, String> CHECK_ENV = Map.of("ROTOR_MAX_REQUESTS", "30",
                                                                "ROTOR_MAX_REQUESTS_JITTER", "0",
                                                                "ROTOR_DRAIN_PERIOD", "PT1S",
                                                                "ROTOR_DEMO_ENDPOINTS", "true");

    @Test
    void exitModeDrainsServesTheSlowRequestAndExitsWithTheConfiguredCode() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(CHECK_ENV);
        env.put("ROTOR_EXIT_MODE", "exit");
        env.put("ROTOR_EXIT_CODE", "7");
        try (JarProcess p = JarProcess.start(env).awaitReady()) {
            for (int i = 0; i < 29; i++) {
                assertThat(Http.status(p.port(), "/"), is(200));
            }
            assertThat(Http.status(p.port(), "/observe/health/ready"), is(200));
            // the 30th request reaches the quota and is still in flight while the drain runs
            CompletableFuture<HttpResponse<String>> slow =
                    CompletableFuture.supplyAsync(() -> Http.get(p.port(), "/demo/work?ms=2500"));
            Await.equal("readiness during the drain", Duration.ofSeconds(5),
                        () -> Http.status(p.port(), "/observe/health/ready"), 503);
            assertThat(Http.status(p.port(), "/observe/health/live"), is(200));
            assertThat("a request arriving during the drain is served", Http.status(p.port(), "/"), is(200));
            assertThat(p.awaitExit(Duration.ofSeconds(20)), is(7));
            HttpResponse<String> response = slow.get();
            assertThat(response.statusCode(), is(200));
            assertThat(response.body(), containsString("\"workedMs\":2500"));
            String log = p.output();
            assertThat(log, java.util.regex.Pattern.compile(
                    "reached its quota \\(30 of 30 requests in [^)]+\\); draining: readiness down for PT1S").matcher(log).find(),
                       is(true));
            assertThat(log, containsString("exiting with code 7"));
        }
    }

    @Test
    void livenessModeFailsLivenessAfterTheDrainAndKeepsRunning() {
        try (JarProcess p = JarProcess.start(CHECK_ENV).awaitReady()) {
            for (int i = 0; i < 30; i++) {
                assertThat(Http.status(p.port(), "/"), is(200));
            }
            assertThat(Http.status(p.port(), "/observe/health/ready"), is(503));
            assertThat(Http.status(p.port(), "/observe/health/live"), is(200));
            Await.equal("liveness after the drain", Duration.ofSeconds(10),
                        () -> Http.status(p.port(), "/observe/health/live"), 503);
            assertThat(p.alive(), is(true));
            assertThat(Http.status(p.port(), "/"), is(200));
        }
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
        try (JarProcess p = JarProcess.start(CHECK_ENV).awaitReady()) {
            CompletableFuture<HttpResponse<String>> slow =
                    CompletableFuture.supplyAsync(() -> Http.get(p.port(), "/demo/work?ms=3000"));
            Await.until("the slow request to be in flight", Duration.ofSeconds(5),
                        () -> Http.get(p.port(), "/observe/replica").body().contains("\"inFlight\":1"));
            p.sigterm();
            Await.equal("readiness after SIGTERM", Duration.ofSeconds(5),
                        () -> Http.status(p.port(), "/observe/health/ready"), 503);
            assertThat(p.awaitExit(Duration.ofSeconds(20)), is(0));
            HttpResponse<String> response = slow.get();
            assertThat(response.statusCode(), is(200));
            assertThat(response.body(), containsString("\"workedMs\":3000"));
        }
    }

    @Test
    void sigtermWhileStartingIsAnsweredWithTheDrainOnceServing() {
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0.2S"))) {
            // the settings line comes early in the start, well before the listener binds
            Await.until("the replica starting", Duration.ofSeconds(20), () -> p.output().contains(" settings: "));
            p.sigterm();
            assertThat("exit status; log:\n" + p.output(), p.awaitExit(Duration.ofSeconds(20)), is(0));
            assertThat(p.output(), containsString("asked to stop after 0 requests"));
        }
    }

    @Test
    void negativeQuotaStopsStartupNamingTheVariable() {
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_MAX_REQUESTS", "-5"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(20)), is(2));
            assertThat(p.output(), containsString("ROTOR_MAX_REQUESTS (rotor.lifecycle.max-requests) = \"-5\""));
        }
    }

    @Test
    void unknownExitModeStopsStartupNamingTheVariable() {
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_EXIT_MODE", "sometimes"))) {
            assertThat(p.awaitExit(Duration.ofSeconds(20)), is(2));
            assertThat(p.output(), containsString("ROTOR_EXIT_MODE (rotor.lifecycle.exit-mode) = \"sometimes\""));
        }
    }

    @Test
    void portInUseStopsStartupWithAnError() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
             JarProcess p = JarProcess.start(Map.of("PORT", String.valueOf(taken.getLocalPort())))) {
            assertThat(p.awaitExit(Duration.ofSeconds(20)), is(1));
            assertThat(p.output(), containsString("rotor failed to start"));
        }
    }
}
