package dev.rotor.observe;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The public probes' own permits, on a real server: a probe that holds the direct permit
 * leaves public requests and forwarded probes untouched, and the next direct probe is refused
 * at once instead of waiting.
 */
class PublicProbesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aProbeHoldingTheLastPermitRefusesTheNextProbeButNoPublicRequest() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // readiness blocks until released: the first probe holds the one direct permit meanwhile
        ObserveConfig config = config(Map.of("probe-concurrency", "1", "forwarded-probe-concurrency", "1"));
        MeterRegistry registry = Metrics.globalRegistry();
        try (ObserveGate gate = new ObserveGate(config, true, () -> true, () -> {
            entered.countDown();
            try {
                return release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, () -> true, registry)) {
            WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.addFilter(gate.publicFilter()).get("/", (req, res) -> res.send("hello")))
                    .build().start();
            try {
                int port = server.port();
                CompletableFuture<HttpResponse<String>> held =
                        CompletableFuture.supplyAsync(() -> Http.get(port, "/observe/health/ready"));
                assertThat(entered.await(30, TimeUnit.SECONDS), is(true));

                HttpResponse<String> refused = Http.get(port, "/observe/health/live");
                assertThat(refused.statusCode(), is(503));
                assertThat(Json.object(refused.body()).getString("error"), is("too_many_probes"));
                assertThat(refused.headers().firstValue("Retry-After").orElse(""), is("1"));

                assertThat("a public request has permits of its own", Http.get(port, "/").statusCode(), is(200));
                HttpResponse<String> forwarded = Http.send(HttpRequest.newBuilder(Http.uri(port, "/observe/health/live"))
                                                                   .header("X-Forwarded-For", "203.0.113.9"));
                assertThat("a probe from outside has its own permits", forwarded.statusCode(), is(200));

                release.countDown();
                assertThat(held.get(30, TimeUnit.SECONDS).statusCode(), is(200));
                Await.equal("the permit is back", WAIT, () -> Http.status(port, "/observe/health/live"), 200);
            } finally {
                release.countDown();
                server.stop();
            }
        }
    }

    @Test
    void aProbeAnswersTheSameFixedBodyWhateverTheRequestCarries() {
        AtomicBoolean ready = new AtomicBoolean(true);
        try (ObserveGate gate = new ObserveGate(config(Map.of()), true, () -> true, ready::get, () -> true,
                                                Metrics.globalRegistry())) {
            WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.addFilter(gate.publicFilter())).build().start();
            try {
                int port = server.port();
                String longQuery = "?" + "x=1&".repeat(500);
                for (HttpRequest.Builder request : new HttpRequest.Builder[] {
                        HttpRequest.newBuilder(Http.uri(port, "/observe/health/ready")),
                        HttpRequest.newBuilder(Http.uri(port, "/observe/health/ready" + longQuery)),
                        HttpRequest.newBuilder(Http.uri(port, "/observe/health/ready")).header("X-Padding", "y".repeat(4000)),
                        HttpRequest.newBuilder(Http.uri(port, "/observe/health/ready")).header("Accept", "text/plain")}) {
                    HttpResponse<String> response = Http.send(request);
                    assertThat(response.statusCode(), is(200));
                    assertThat(response.body(), is("{\"status\":\"UP\"}"));
                }
                HttpResponse<String> head = Http.send(HttpRequest.newBuilder(Http.uri(port, "/observe/health/ready"))
                                                              .method("HEAD", HttpRequest.BodyPublishers.noBody()));
                assertThat(head.statusCode(), is(200));
                assertThat(head.body(), is(""));
                assertThat("the connection after a HEAD still frames the next answer",
                           Http.get(port, "/observe/health/ready").body(), is("{\"status\":\"UP\"}"));
                ready.set(false);
                HttpResponse<String> down = Http.get(port, "/observe/health/ready");
                assertThat(down.statusCode(), is(503));
                assertThat(down.body(), is("{\"status\":\"DOWN\"}"));
                HttpResponse<String> post = Http.post(port, "/observe/health/ready", "application/json", "{}");
                assertThat(post.statusCode(), is(405));
                assertThat(Json.object(post.body()).getString("error"), is("method_not_allowed"));
            } finally {
                server.stop();
            }
        }
    }

    private static ObserveConfig config(Map<String, String> overrides) {
        Map<String, String> keys = new java.util.HashMap<>();
        overrides.forEach((k, v) -> keys.put("rotor.observe." + k, v));
        return ObserveConfig.from(Settings.of(ConfigLoader.load(Map.of(), keys)).node("rotor").node("observe"));
    }
}
