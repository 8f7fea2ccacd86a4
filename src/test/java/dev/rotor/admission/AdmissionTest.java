package dev.rotor.admission;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * Admission on a real socket, in process, without Redis: size limits, the concurrency limit,
 * the local rate limit and who the client is.
 */
class AdmissionTest {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Not the common pool: on two cores it runs one task at a time. */
    private static final java.util.concurrent.Executor CLIENTS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    @Test
    void overTheConcurrencyLimitAnswers503AtOnceWhileProbesStillAnswer() throws Exception {
        // no queue: the limit alone decides
        try (TestReplica r = TestReplica.start(Map.of("rotor.admission.max-concurrent-requests", "2",
                                                      "rotor.admission.queue-length", "0",
                                                      "rotor.demo.endpoints", "true"));
             Socket socket = new Socket("127.0.0.1", r.port())) {
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(CompletableFuture.supplyAsync(() -> Http.get(r.port(), "/demo/work?ms=3000"), CLIENTS));
            }
            Await.equal("two requests in flight", WAIT, () -> r.replica().lifecycle().inFlight(), 2);

            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out.write(REQUEST);
            List<String> busy = Http.readResponse(in);
            // "at once": answered while both permits are still held, not after one came free
            assertThat("permits still held when the 503 came", r.replica().lifecycle().inFlight(), is(2));
            assertThat("the slow requests still running", slow.stream().noneMatch(CompletableFuture::isDone), is(true));
            assertThat(busy.getFirst(), is("HTTP/1.1 503 Service Unavailable"));
            assertThat(busy, hasItem("retry-after: 1"));
            assertThat(busy, hasItem("content-type: application/json"));
            assertThat(busy.getLast(), containsString("\"error\":\"too_many_concurrent_requests\""));
            for (String probe : List.of("/observe/health/ready", "/observe/health/live", "/observe/metrics")) {
                assertThat(probe, Http.status(r.port(), probe), is(200));
            }
            assertThat("rejected requests do not count", r.replica().lifecycle().served(), is(2L));

            for (CompletableFuture<HttpResponse<String>> f : slow) {
                assertThat(f.get().statusCode(), is(200));
            }
            out.write(REQUEST);
            List<String> after = Http.readResponse(in);
            assertThat("the connection that got the 503 is still usable", after.getFirst(), is("HTTP/1.1 200 OK"));
            assertThat(Http.get(r.port(), "/observe/metrics").body(),
                       containsString("rotor_admission_concurrency_rejected_total{scope=\"application\",} 1.0"));
        }
    }

    @Test
    void aQueuedRequestWaitsForAPermit() throws Exception {
        try (TestReplica r = TestReplica.start(Map.of("rotor.admission.max-concurrent-requests", "1",
                                                      "rotor.admission.queue-length", "1",
                                                      "rotor.admission.queue-timeout", "PT5S",
                                                      "rotor.demo.endpoints", "true"))) {
            CompletableFuture<HttpResponse<String>> slow =
                    CompletableFuture.supplyAsync(() -> Http.get(r.port(), "/demo/work?ms=500"), CLIENTS);
            Await.equal("one request in flight", WAIT, () -> r.replica().lifecycle().inFlight(), 1);
            CompletableFuture<Integer> queued = CompletableFuture.supplyAsync(() -> Http.status(r.port(), "/"), CLIENTS);
            Await.until("a request waiting in the queue", WAIT,
                        () -> Http.get(r.port(), "/observe/metrics").body()
                                .contains("rotor_admission_concurrency_queue{scope=\"application\",state=\"waiting\",} 1.0"));
            assertThat("the queue is full: the third is rejected", Http.status(r.port(), "/"), is(503));
            assertThat(queued.get(), is(200));
            assertThat(slow.get().statusCode(), is(200));
        }
    }

    @Test
    void oversizedBodyIs413AndOversizedHeadersAre431InTheJsonShape() throws Exception {
        try (TestReplica r = TestReplica.start(Map.of("rotor.admission.max-payload-size", "1000",
                                                      "rotor.admission.max-header-size", "2048",
                                                      "rotor.admission.max-prologue-length", "512"))) {
            HttpResponse<String> body = Http.post(r.port(), "/", "text/plain", "x".repeat(1001));
            assertThat(body.statusCode(), is(413));
            assertThat(body.headers().firstValue("content-type").orElse(""), is("application/json"));
            assertThat(body.body(), is("{\"error\":\"payload_too_large\",\"message\":\"the request body exceeds 1000 bytes\","
                                               + "\"request_id\":\"" + body.headers().firstValue("X-Request-ID").orElseThrow() + "\"}"));

            HttpResponse<String> headers = Http.send(HttpRequest.newBuilder(Http.uri(r.port(), "/"))
                                                             .header("X-Big", "y".repeat(3000)).GET());
            assertThat(headers.statusCode(), is(431));
            assertThat(headers.body(), is("{\"error\":\"headers_too_large\",\"message\":\"the request headers exceed 2048 bytes\","
                                                  + "\"request_id\":\"" + headers.headers().firstValue("X-Request-ID").orElseThrow() + "\"}"));

            HttpResponse<String> line = Http.get(r.port(), "/?q=" + "z".repeat(600));
            assertThat(line.statusCode(), is(414));
            assertThat(line.body(), containsString("\"error\":\"uri_too_long\""));
            assertThat(line.body(), containsString("\"request_id\":\"" + line.headers().firstValue("X-Request-ID").orElseThrow()));

            assertThat("a body within the limit passes (and 405s: GET is the only method on /)",
                       Http.post(r.port(), "/", "text/plain", "x".repeat(1000)).statusCode(), is(405));
            assertThat(r.replica().lifecycle().served(), is(1L));
        }
    }

    @Test
    void rateLimitAllowsTheShareThenAnswers429WithHeaders() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.admission.rate-limit", "3/PT1M",
                                                      "rotor.admission.expected-replicas", "1"))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> ok = Http.get(r.port(), "/");
                assertThat(ok.statusCode(), is(200));
                assertThat(ok.headers().firstValue("ratelimit-limit").orElse(""), is("3"));
                assertThat(ok.headers().firstValue("ratelimit-remaining").orElse(""), is(String.valueOf(2 - i)));
                assertThat(ok.headers().firstValue("ratelimit-reset").orElse(""), is(String.valueOf(20 * (i + 1))));
            }
            HttpResponse<String> limited = Http.get(r.port(), "/");
            assertThat(limited.statusCode(), is(429));
            assertThat(limited.headers().firstValue("retry-after").orElse(""), is("20"));
            assertThat(limited.headers().firstValue("ratelimit-remaining").orElse(""), is("0"));
            assertThat(limited.body(), containsString("\"error\":\"rate_limited\""));
            assertThat("probes are never limited", Http.status(r.port(), "/observe/health/ready"), is(200));
            assertThat("another API key is another client", get(r.port(), "X-Api-Key", "k2").statusCode(), is(200));
            assertThat("rejected requests do not count", r.replica().lifecycle().served(), is(4L));
            String metrics = Http.get(r.port(), "/observe/metrics").body();
            assertThat(metrics, containsString(
                    "rotor_admission_rate_decisions_total{backend=\"local\",result=\"rejected\",scope=\"application\",} 1.0"));
            assertThat(metrics, containsString(
                    "rotor_admission_rate_decisions_total{backend=\"local\",result=\"allowed\",scope=\"application\",} 4.0"));
        }
    }

    @Test
    void forwardedForIsBelievedOnlyFromTrustedProxies() {
        Map<String, String> limit = Map.of("rotor.admission.rate-limit", "1/PT1M", "rotor.admission.expected-replicas", "1");
        try (TestReplica r = TestReplica.start(limit)) {
            assertThat(get(r.port(), "X-Forwarded-For", "198.51.100.1").statusCode(), is(200));
            assertThat("a spoofed header from an untrusted peer is still the same client",
                       get(r.port(), "X-Forwarded-For", "198.51.100.2").statusCode(), is(429));
        }
        Map<String, String> trusting = new java.util.HashMap<>(limit);
        trusting.put("rotor.admission.trusted-proxies", "127.0.0.0/8, ::1");
        try (TestReplica r = TestReplica.start(trusting)) {
            assertThat(get(r.port(), "X-Forwarded-For", "198.51.100.1").statusCode(), is(200));
            assertThat("through a trusted proxy each forwarded client is its own",
                       get(r.port(), "X-Forwarded-For", "198.51.100.2").statusCode(), is(200));
            assertThat("the trusted hop is walked past",
                       get(r.port(), "X-Forwarded-For", "198.51.100.2, 127.0.0.9").statusCode(), is(429));
        }
    }

    private static HttpResponse<String> get(int port, String header, String value) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, "/")).header(header, value).GET());
    }
}
