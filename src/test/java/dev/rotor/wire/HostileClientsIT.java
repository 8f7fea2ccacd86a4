package dev.rotor.wire;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.MetricsText;
import dev.rotor.support.RawSocket;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Clients that no HTTP library would be, against the built jar over real sockets: stalled
 * bodies, unfinished headers, ambiguous framing, HTTP/1.0, bytes that are not HTTP, more
 * connections than the cap, and handlers that never return. Every read waits at most
 * {@link #PATIENCE}, far longer than the deadlines under test: a bound on "the server ends
 * it", never on how fast.
 */
class HostileClientsIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String STALLED_BODY = "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{\"sys";

    private static double metric(int port, String name, String... labels) {
        return MetricsText.value(Http.get(port, "/observe/metrics").body(), name, labels);
    }

    @Test
    void stalledBodiesHoldNoPermitAndEndWith408WhileOtherClientsAreServed() throws Exception {
        Map<String, String> env = Map.of("ROTOR_BODY_TIMEOUT", "PT3S", "MAX_CONCURRENT_REQUESTS", "50",
                                         "ROTOR_MAX_REQUESTS", "0");
        try (JarProcess p = JarProcess.start(env).awaitReady()) {
            List<RawSocket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    stalled.add(RawSocket.open(p.port(), PATIENCE).send(STALLED_BODY));
                }
                Await.until("60 stalled connections open", Duration.ofSeconds(30),
                            () -> metric(p.port(), "rotor_connections_open") >= 61);
                // 60 stalled bodies against 50 permits: every other client is still served
                for (int i = 0; i < 60; i++) {
                    assertThat(Http.status(p.port(), "/"), is(200));
                    assertThat(Http.post(p.port(), "/api/sessions", "application/json", "{}").statusCode(), is(201));
                }
                assertThat("no permit is held by a body that has not arrived",
                           metric(p.port(), "rotor_admission_concurrency_permits", "state=in_use"), is(0.0));
                assertThat(Http.get(p.port(), "/observe/replica").body(), containsString("\"inFlight\":0"));
                List<String> answers = new ArrayList<>();
                for (RawSocket s : stalled) {
                    answers.add(s.readToClose());
                }
                assertThat(answers, everyItem(startsWith("HTTP/1.1 408 ")));
                assertThat(answers, everyItem(containsString("{\"error\":\"body_timeout\"")));
                assertThat(metric(p.port(), "rotor_wire_timeouts_total", "kind=body"), is(60.0));
            } finally {
                for (RawSocket s : stalled) {
                    s.close();
                }
            }
            assertThat("the replica serves on", Http.status(p.port(), "/"), is(200));
        }
    }

    @Test
    void unfinishedHeadersAndSilentConnectionsAreClosedByTheHeaderDeadline() throws Exception {
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_HEADER_TIMEOUT", "PT2S")).awaitReady()) {
            List<RawSocket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    slow.add(RawSocket.open(p.port(), PATIENCE).send("GET / HTTP/1.1\r\nHost: x\r\nX-a: "));
                }
                slow.add(RawSocket.open(p.port(), PATIENCE)); // connects and says nothing
                assertThat("others are served meanwhile", Http.status(p.port(), "/"), is(200));
                for (RawSocket s : slow) {
                    assertThat("closed without an answer", s.readToClose(), is(""));
                }
            } finally {
                for (RawSocket s : slow) {
                    s.close();
                }
            }
            assertThat(metric(p.port(), "rotor_wire_timeouts_total", "kind=header"), greaterThanOrEqualTo(301.0));
            assertThat(metric(p.port(), "rotor_connections_open"), is(1.0)); // the metrics request itself
        }
    }

    @Test
    void ambiguousFramingHttp10AndNonHttpBytesAreRefused() throws Exception {
        // a header deadline far beyond the patience: whatever closes these, it is not the deadline
        try (JarProcess p = JarProcess.start(Map.of("ROTOR_HEADER_TIMEOUT", "PT300S")).awaitReady()) {
            String twoLengths = exchange(p.port(), "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x");
            assertThat(twoLengths, startsWith("HTTP/1.1 400 "));
            assertThat(twoLengths, containsString("Connection: close"));
            assertThat(twoLengths, containsString("Content-Length header must have exactly one value"));

            String smuggled = exchange(p.port(), "POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
                    + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(smuggled, startsWith("HTTP/1.1 400 "));
            assertThat("one answer only: the request behind it is never read", smuggled.split("HTTP/1.1 ").length, is(2));
            assertThat(smuggled, containsString("Transfer-Encoding and Content-Length headers must not be combined"));

            String http10 = exchange(p.port(), "GET / HTTP/1.0\r\n\r\n");
            assertThat(http10, startsWith("HTTP/1.1 505 "));
            assertThat(http10, containsString("{\"error\":\"http_version_not_supported\""));

            assertThat("TLS on the plain port: closed at once, no answer",
                       exchange(p.port(), "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"), is(""));
            assertThat(metric(p.port(), "rotor_connections_not_http_total"), is(1.0));
            assertThat(Http.status(p.port(), "/"), is(200));
        }
    }

    @Test
    void connectionsPastTheCapAreClosedAtOnceAndTheOthersKeepBeingServed() throws Exception {
        int admin = JarProcess.freePort();
        Map<String, String> env = Map.of("ROTOR_MAX_CONNECTIONS", "16", "ROTOR_HEADER_TIMEOUT", "PT300S",
                                         "ROTOR_ADMIN_PORT", Integer.toString(admin));
        try (JarProcess p = JarProcess.start(env)) {
            Await.until("admin port ready", Duration.ofSeconds(30), () -> Http.status(admin, "/observe/health/ready") == 200);
            assertThat(Http.get(admin, "/observe/metrics").body(), containsString("rotor_connections_max{scope=\"application\",} 16.0"));
            List<RawSocket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    held.add(RawSocket.open(p.port(), PATIENCE));
                }
                Await.until("16 connections open", Duration.ofSeconds(30), () -> metric(admin, "rotor_connections_open") == 16);
                try (RawSocket extra = RawSocket.open(p.port(), PATIENCE)) {
                    assertThat("the 17th is closed without an answer", extra.readToClose(), is(""));
                }
                assertThat(metric(admin, "rotor_connections_refused_total"), is(1.0));
                // one of the held connections is served normally
                String answer = exchangeOn(held.removeFirst(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertThat(answer, startsWith("HTTP/1.1 200 "));
                Await.until("a slot freed", Duration.ofSeconds(30), () -> metric(admin, "rotor_connections_open") == 15);
                assertThat("and a new connection is served again", Http.status(p.port(), "/"), is(200));
            } finally {
                for (RawSocket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void stuckHandlersAreAnswered504ReleaseTheirPermitsAndRotateTheReplicaInExitMode() throws Exception {
        Map<String, String> env = new HashMap<>(stuckEnv());
        env.put("ROTOR_EXIT_MODE", "exit");
        env.put("ROTOR_STUCK_LIMIT", "2");
        try (JarProcess p = JarProcess.start(env).awaitReady()) {
            HttpResponse<String> first = Http.get(p.port(), "/demo/stuck");
            assertThat(first.statusCode(), is(504));
            assertThat(first.body(), containsString("{\"error\":\"request_timeout\""));
            assertThat(Http.get(p.port(), "/observe/replica").body(), containsString("\"stuck\":1"));
            assertThat("its permit came back", metric(p.port(), "rotor_admission_concurrency_permits", "state=in_use"),
                       is(0.0));
            // 3 permits, 1 handler stuck for good: 3 requests at once are all admitted
            List<CompletableFuture<Integer>> work = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                work.add(CompletableFuture.supplyAsync(() -> Http.status(p.port(), "/demo/work?ms=1500")));
            }
            for (CompletableFuture<Integer> w : work) {
                assertThat(w.get(), is(200));
            }
            assertThat(Http.status(p.port(), "/demo/stuck"), is(504));
            assertThat(p.awaitExit(PATIENCE), is(0));
            assertThat(p.output(), containsString("has 2 requests stuck past the request timeout (limit 2"));
            assertThat(p.output(), containsString("exiting with code 0"));
        }
    }

    @Test
    void stuckWorkTurnsLivenessDownInLivenessMode() {
        Map<String, String> env = new HashMap<>(stuckEnv());
        env.put("ROTOR_EXIT_MODE", "liveness");
        env.put("ROTOR_STUCK_LIMIT", "1");
        try (JarProcess p = JarProcess.start(env).awaitReady()) {
            assertThat(Http.status(p.port(), "/observe/health/live"), is(200));
            assertThat(Http.status(p.port(), "/demo/stuck"), is(504));
            Await.equal("liveness after the drain", PATIENCE, () -> Http.status(p.port(), "/observe/health/live"), 503);
            assertThat(Http.get(p.port(), "/observe/replica").body(), containsString("\"cause\":\"stuck\""));
            assertThat(p.alive(), is(true));
        }
    }

    private static Map<String, String> stuckEnv() {
        return Map.of("ROTOR_DEMO_ENDPOINTS", "true", "ROTOR_REQUEST_TIMEOUT", "PT2S", "MAX_CONCURRENT_REQUESTS", "3",
                      "ROTOR_MAX_REQUESTS", "0", "ROTOR_DRAIN_PERIOD", "PT1S");
    }

    private static String exchange(int port, String request) throws Exception {
        try (RawSocket s = RawSocket.open(port, PATIENCE)) {
            return exchangeOn(s, request);
        }
    }

    private static String exchangeOn(RawSocket s, String request) throws Exception {
        try (s) {
            return s.send(request).readToClose();
        }
    }
}
