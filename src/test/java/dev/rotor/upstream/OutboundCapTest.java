package dev.rotor.upstream;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.MetricsText;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The shared outbound client's hard cap, counted where it matters: connections accepted by
 * the upstream.
 */
class OutboundCapTest {
    private static final String SLOW_OK = "{\"status\":\"success\",\"country\":\"X\"}";

    @Test
    void threeTimesTheCapOfSlowCallsNeverOpenMoreConnectionsThanTheCap() throws Exception {
        int cap = 3;
        try (StandInServer provider = StandInServer.start(req -> Reply.json(200, SLOW_OK).after(Duration.ofMillis(300)));
             TestReplica r = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                      "rotor.outbound.max-connections", String.valueOf(cap),
                                                      "rotor.outbound.max-keepalive", "2",
                                                      "rotor.lifecycle.max-requests", "0"));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 1; i <= 3 * cap; i++) {
                String ip = "8.8.8." + i; // distinct addresses: the cache cannot merge them
                calls.add(pool.submit(() -> Http.get(r.port(), "/api/geo/" + ip)));
            }
            for (Future<HttpResponse<String>> f : calls) {
                assertThat(f.get().body(), f.get().statusCode(), is(200));
            }
            assertThat(provider.requests().size(), is(3 * cap));
            // the invariant is concurrent connections: with a keep-alive bound (2) below the cap (3),
            // a trimmed idle connection is later replaced, so the total accepted may exceed the cap
            assertThat("connections open at once at the upstream", provider.peakOpen(), lessThanOrEqualTo(cap));
            assertThat("the cap was reached, so it was what held", provider.peakOpen(), is(cap));
            String metrics = Http.get(r.observePort(), "/observe/metrics").body();
            assertThat(MetricsText.value(metrics, "rotor_outbound_connections", "state=max"), is(3.0));
            assertThat("kept-alive connections are bounded",
                       MetricsText.value(metrics, "rotor_outbound_connections", "state=idle"), lessThanOrEqualTo(2.0));
        }
    }

    @Test
    void waitingLongerThanTheConnectTimeoutIs503NamingThePoolState() throws Exception {
        try (StandInServer provider = StandInServer.start(req -> Reply.json(200, SLOW_OK).after(Duration.ofSeconds(2)));
             TestReplica r = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                      "rotor.outbound.max-connections", "1",
                                                      "rotor.outbound.connect-timeout", "PT0.2S",
                                                      "rotor.lifecycle.max-requests", "0"));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> first = pool.submit(() -> Http.get(r.port(), "/api/geo/8.8.4.4"));
            Await.until("the first call holds the only connection", Duration.ofSeconds(5),
                        () -> provider.requests().size() == 1);
            HttpResponse<String> second = Http.get(r.port(), "/api/geo/8.8.4.5");
            assertThat(second.body(), second.statusCode(), is(503));
            assertThat(Json.object(second.body()).getString("error"), is("outbound_pool_exhausted"));
            assertThat(second.body(), containsString("timed out after 200ms (max=1, total=1, active=1, idle=0, waiting="));
            assertThat(second.headers().firstValue("Retry-After").isPresent(), is(true));
            assertThat(first.get().statusCode(), is(200));
            assertThat(MetricsText.value(Http.get(r.observePort(), "/observe/metrics").body(), "rotor_outbound_rejected_total"),
                       is(1.0));
        }
    }

    /**
     * The client is shared by every caller of the replica: a cookie one upstream response sets
     * must never ride along with the next caller's request (cookie management is off).
     */
    @Test
    void anUpstreamsCookieIsNeverSentBack() throws Exception {
        try (StandInServer provider = StandInServer.start(req -> Reply.json(200, SLOW_OK)
                .with("Set-Cookie", "session=caller-one; Path=/; Domain=127.0.0.1")
                .with("Set-Cookie2", "legacy=caller-one; Version=1"));
             TestReplica r = TestReplica.start(Map.of("rotor.geoip.url", provider.url() + "/json/{ip}",
                                                      "rotor.lifecycle.max-requests", "0"))) {
            for (String ip : List.of("8.8.8.1", "8.8.8.2", "8.8.8.3")) {
                HttpResponse<String> response = Http.get(r.port(), "/api/geo/" + ip);
                assertThat(response.body(), response.statusCode(), is(200));
            }
            assertThat(provider.requests().size(), is(3));
            for (StandInServer.Request request : provider.requests()) {
                assertThat(request.path() + " carried " + request.headers(), request.headers().containsKey("cookie"), is(false));
            }
        }
    }
}
