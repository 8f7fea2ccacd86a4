package dev.rotor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The real routes on a real socket, in process: probes, connections, the admin socket. The
 * routes alone, without a socket, are {@link PublicRoutesTest} and {@link ApiInputTest}.
 */
class ReplicaRoutesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void probesMetricsAndStatusNeverCountButPublicRoutesDo() {
        try (TestReplica r = TestReplica.start(Map.of())) {
            for (String path : List.of("/observe/health/ready", "/observe/health/live", "/observe/health/started",
                                       "/observe/health", "/observe/metrics", "/observe/replica")) {
                assertThat(path, Http.status(r.port(), path), is(200));
            }
            assertThat(r.replica().lifecycle().served(), is(0L));
            assertThat(Http.status(r.port(), "/"), is(200));
            assertThat(Http.status(r.port(), "/no-such-route"), is(404));
            assertThat(r.replica().lifecycle().served(), is(2L));
        }
    }

    @Test
    void afterTheQuotaReadinessFailsWhileLivenessAndServingContinueThenLivenessFails() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "3",
                                                      "rotor.lifecycle.max-requests-jitter", "0",
                                                      "rotor.lifecycle.drain-period", "PT3S"))) {
            for (int i = 0; i < 2; i++) {
                assertThat(Http.status(r.port(), "/"), is(200));
            }
            assertThat(Http.status(r.port(), "/observe/health/ready"), is(200));
            assertThat(Http.status(r.port(), "/"), is(200)); // the third request reaches the quota
            assertThat(Http.status(r.port(), "/observe/health/ready"), is(503));
            assertThat(Http.status(r.port(), "/observe/health/live"), is(200));
            HttpResponse<String> during = Http.get(r.port(), "/");
            assertThat(during.statusCode(), is(200));
            assertThat(during.body(), containsString("\"state\":\"DRAINING\""));
            Await.equal("liveness", WAIT, () -> Http.status(r.port(), "/observe/health/live"), 503);
            assertThat(r.replica().lifecycle().state(), is(ReplicaState.EXPIRED));
            assertThat(Http.status(r.port(), "/observe/health/ready"), is(503));
            assertThat(Http.status(r.port(), "/observe/health/started"), is(200));
            assertThat("liveness mode never exits the process", r.exitStatus().isDone(), is(false));
        }
    }

    @Test
    void exitModeAsksToExitWithTheConfiguredCode() throws Exception {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "1",
                                                      "rotor.lifecycle.max-requests-jitter", "0",
                                                      "rotor.lifecycle.drain-period", "PT0.2S",
                                                      "rotor.lifecycle.exit-mode", "exit",
                                                      "rotor.lifecycle.exit-code", "7"))) {
            int port = r.port();
            assertThat(Http.status(port, "/"), is(200));
            assertThat(r.exitStatus().get(10, java.util.concurrent.TimeUnit.SECONDS), is(7));
            assertThat("the server was stopped before the exit", Http.status(port, "/"), is(-1));
        }
    }

    @Test
    void drainingResponsesCloseTheirConnection() throws Exception {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "2",
                                                      "rotor.lifecycle.max-requests-jitter", "0",
                                                      "rotor.lifecycle.drain-period", "PT30S"));
             Socket socket = new Socket("127.0.0.1", r.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

            out.write(request.getBytes(StandardCharsets.US_ASCII));
            List<String> first = Http.readResponse(in);
            assertThat(first, hasItem("connection: keep-alive"));

            out.write(request.getBytes(StandardCharsets.US_ASCII)); // reaches the quota
            List<String> second = Http.readResponse(in);
            assertThat(second.getFirst(), is("HTTP/1.1 200 OK"));
            assertThat(second, hasItem("connection: close"));
            assertThat(second, not(hasItem("connection: keep-alive")));
            assertThat("the server closes the connection after a draining response", in.read(), is(-1));
        }
    }

    @Test
    void aClientsConnectionCloseClosesTheConnectionAfterTheResponse() throws Exception {
        try (TestReplica r = TestReplica.start(Map.of())) {
            for (String path : List.of("/", "/observe/replica")) {
                try (Socket socket = new Socket("127.0.0.1", r.port())) {
                    socket.setSoTimeout(3000);
                    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                                                           .getBytes(StandardCharsets.US_ASCII));
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                                                                                 StandardCharsets.US_ASCII));
                    List<String> response = Http.readResponse(in);
                    assertThat(response.getFirst(), is("HTTP/1.1 200 OK"));
                    assertThat(path, in.read(), is(-1));
                }
            }
        }
    }

    @Test
    void demoWorkIsOffByDefault() {
        // (its parameter checks, with the endpoints on: PublicRoutesTest)
        try (TestReplica off = TestReplica.start(Map.of())) {
            assertThat(Http.status(off.port(), "/demo/work?ms=1"), is(404));
        }
    }

    @Test
    void metricsExportTheLifecycle() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "50",
                                                      "rotor.lifecycle.max-requests-jitter", "0"))) {
            Http.get(r.port(), "/");
            Http.get(r.port(), "/");
            String metrics = Http.get(r.port(), "/observe/metrics").body();
            List<String> lines = new ArrayList<>(metrics.lines().toList());
            assertThat(lines, hasItem("rotor_replica_requests_total{scope=\"application\",} 2.0"));
            assertThat(lines, hasItem("rotor_replica_quota{scope=\"application\",} 50.0"));
            assertThat(lines, hasItem("rotor_replica_state{scope=\"application\",state=\"SERVING\",} 1.0"));
            assertThat(lines, hasItem("rotor_replica_state{scope=\"application\",state=\"DRAINING\",} 0.0"));
            assertThat(lines, hasItem("rotor_inflight_requests{scope=\"application\",} 0.0"));
            assertThat(lines, hasItem("rotor_drain_seconds{scope=\"application\",} 0.0"));
            assertThat(metrics, containsString("rotor_replica_age_seconds{"));
            assertThat("JVM meters are exported too", metrics, containsString("memory_usedHeap_bytes"));
        }
    }

    @Test
    void adminPortServesObserveApartFromThePublicPort() throws Exception {
        int adminPort = 0;
        TestReplica started = null;
        // a free port is released before the replica binds it: another process may take it in
        // between, so a start that fails to bind is tried again on another free port
        for (int attempt = 1; started == null; attempt++) {
            try (var probe = new java.net.ServerSocket(0)) {
                adminPort = probe.getLocalPort();
            }
            try {
                started = TestReplica.start(Map.of("rotor.admin-port", String.valueOf(adminPort)));
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
        try (TestReplica r = started) {
            assertThat(r.observePort(), is(adminPort));
            assertThat(Http.status(adminPort, "/observe/health/ready"), is(200));
            assertThat(Http.status(adminPort, "/observe/replica"), is(200));
            assertThat("the warm-up went to the admin listener, where /observe is",
                       Json.object(Http.get(adminPort, "/observe/replica").body()).getJsonObject("warmUp").getInt("answered"),
                       is(300));
            assertThat(Http.status(adminPort, "/observe/metrics"), is(200));
            assertThat("the load balancer's probes stay on the public port", Http.status(r.port(), "/observe/health/ready"),
                       is(200));
            assertThat(Http.status(r.port(), "/observe/metrics"), is(404));
            assertThat(Http.status(r.port(), "/observe/replica"), is(404));
            assertThat(Http.status(r.port(), "/"), is(200));
            assertThat(r.replica().lifecycle().served(), is(1L));
        }
    }

    @Test
    void aFreshReplicaWarmsUpBeforeItsReadinessAndNoneOfItCounts() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.warmup.requests", "60"))) {
            JsonObject status = Json.object(Http.get(r.observePort(), "/observe/replica").body());
            assertThat(status.getString("state"), is("SERVING"));
            assertThat("the warm-up is not the load balancer's traffic", status.getInt("served"), is(0));
            JsonObject warmUp = status.getJsonObject("warmUp");
            assertThat(warmUp.getInt("answered"), is(60));
            assertThat(warmUp.containsKey("stopped"), is(false));
            Instant finished = Instant.parse(warmUp.getString("finishedAt"));
            Instant serving = Instant.parse(status.getString("stateSince"));
            assertThat("readiness turned 200 (SERVING) only after the warm-up: " + finished + " then " + serving,
                       finished.isAfter(serving), is(false));
        }
    }

    @Test
    void aReplicaWithoutAWarmUpSaysNothingOfOne() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.warmup.requests", "0"))) {
            JsonObject status = Json.object(Http.get(r.observePort(), "/observe/replica").body());
            assertThat(status.getString("state"), is("SERVING"));
            assertThat(status.containsKey("warmUp"), is(false));
        }
    }
}
