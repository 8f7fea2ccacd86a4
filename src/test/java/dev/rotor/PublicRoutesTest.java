package dev.rotor;

import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.feature.RotorFeature;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The public routes as production wires them ({@link Replica#routing}), through Helidon's
 * {@link DirectClient}: no socket, no server. What is about connections, probes, counting or
 * the server's own limits stays in {@link ReplicaRoutesTest}, on a real socket (under the
 * 4.3 DirectClient each request passed the routing's filters twice: two requests counted 4).
 */
@RoutingTest
class PublicRoutesTest {
    private static RotorFeature rotor;
    private final DirectClient client;

    PublicRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        // the production graph, from the real configuration files with this test's overrides: no
        // Redis (every part runs its local mode), the echo chat model, no server (so no start)
        Config config = ConfigLoader.load(Map.of(), Map.of("rotor.replica-id", "abc123",
                                                           "rotor.lifecycle.max-requests", "0",
                                                           "rotor.demo.endpoints", "true"));
        rotor = RotorFeature.builder(config).handleSignals(false).build().open();
        rotor.lifecycle().serving();
        Replica.routing(routing, Replica.parts(config, rotor));
    }

    @AfterAll
    static void close() {
        rotor.close();
    }

    @Test
    void unknownRoutesAnswerInTheJsonErrorShape() {
        try (Http1ClientResponse res = client.get("/no/such/thing").request()) {
            assertThat(res.status().code(), is(404));
            assertThat(res.headers().first(HeaderNames.CONTENT_TYPE).orElse(""), containsString("application/json"));
            String body = res.as(String.class);
            assertThat(body, containsString("\"error\":\"not_found\""));
            assertThat(body, containsString("/no/such/thing"));
        }
    }

    @Test
    void bannerNamesServiceVersionReplicaAndState() {
        try (Http1ClientResponse res = client.get("/").request()) {
            assertThat(res.status().code(), is(200));
            String body = res.as(String.class);
            assertThat(body, containsString("\"service\":\"rotor\""));
            assertThat(body, containsString("\"version\":\"0.1.0\""));
            assertThat(body, containsString("\"replica\":\"abc123\""));
            assertThat(body, containsString("\"state\":\"SERVING\""));
        }
    }

    @Test
    void demoWorkValidatesItsParameter() {
        for (String bad : List.of("abc", "-1", "10001", "1.5")) {
            try (Http1ClientResponse res = client.get("/demo/work").queryParam("ms", bad).request()) {
                assertThat(bad, res.status().code(), is(400));
                assertThat(res.as(String.class), containsString("\"error\":\"invalid_parameter\""));
            }
        }
        try (Http1ClientResponse ok = client.get("/demo/work").queryParam("ms", "20").request()) {
            assertThat(ok.status().code(), is(200));
            assertThat(ok.as(String.class), containsString("\"workedMs\":20"));
        }
    }
}
