package dev.rotor.feature;

import java.time.Duration;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.support.Await;

import io.helidon.config.Config;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The feature on a bare Helidon server that knows nothing of Rotor but one {@code update}, in
 * process: a hello route, counted toward the quota; the probes and {@code /observe} never
 * counted; at the quota readiness turns 503 at once, requests that still arrive are served, and
 * once drained (liveness mode) liveness turns 503.
 */
class RotorFeatureTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static RotorFeature rotor;
    private static WebServer server;
    private static Http1Client client;

    @BeforeAll
    static void start() {
        Config config = ConfigLoader.load(Map.of(), Map.of("server.port", "0",
                                                           "server.host", "127.0.0.1",
                                                           "rotor.lifecycle.max-requests", "3",
                                                           "rotor.lifecycle.max-requests-jitter", "0",
                                                           "rotor.lifecycle.drain-period", "PT0S",
                                                           "rotor.warmup.requests", "0",
                                                           "rotor.fleet.leak-report", "false"));
        rotor = RotorFeature.builder(config).handleSignals(false).exit(status -> { }).build();
        // as an application does it: its server node, the one line, its own routes
        server = WebServer.builder()
                .config(config.get("server"))
                .update(rotor)
                .routing(routing -> routing.get("/hello", (req, res) -> res.send("hello")))
                .build()
                .start();
        client = Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build();
    }

    @AfterAll
    static void close() {
        client.closeResource();
        rotor.close();
    }

    @Test
    void countsTheAppsRequestsAndDrainsItAtTheQuotaWhileProbesNeverCount() {
        assertThat(status("/observe/health/ready"), is(200));
        assertThat(body("/hello"), is("hello"));
        assertThat(body("/hello"), is("hello"));
        assertThat(status("/observe/health/started"), is(200));
        assertThat(body("/observe/replica"), containsString("\"served\":2"));
        assertThat("probes and /observe never count", rotor.lifecycle().served(), is(2L));
        assertThat(status("/observe/health/ready"), is(200));

        assertThat(body("/hello"), is("hello"));
        assertThat("the request that reaches the quota turned readiness down", status("/observe/health/ready"), is(503));
        assertThat("requests that still arrive are served", status("/hello"), is(200));
        Await.equal("liveness once drained", WAIT, () -> status("/observe/health/live"), 503);
        assertThat(rotor.lifecycle().state(), is(ReplicaState.EXPIRED));
    }

    private int status(String path) {
        try (Http1ClientResponse res = client.get(path).request()) {
            return res.status().code();
        }
    }

    private String body(String path) {
        try (Http1ClientResponse res = client.get(path).request()) {
            return res.as(String.class);
        }
    }
}
