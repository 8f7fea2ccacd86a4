package dev.rotor.feature;

import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;

import io.helidon.config.Config;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.spi.ServerFeature;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/**
 * Rotor leaves the host application's other server features alone: one that Helidon discovers
 * ({@link HostFeatureProvider}) is set up next to Rotor's, and the observe feature Helidon would
 * discover on this class path gives way to Rotor's, which serves the lifecycle's checks (the full
 * health endpoint: the probes themselves are answered by Rotor's door before any route).
 */
@ServerTest
class HostFeaturesTest {
    private static RotorFeature rotor;
    private final Http1Client client;

    HostFeaturesTest(Http1Client client) {
        this.client = client;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        Config config = ConfigLoader.load(Map.of(), Map.of("server.port", "0",
                                                           "server.host", "127.0.0.1",
                                                           "rotor.warmup.requests", "0",
                                                           "rotor.fleet.leak-report", "false"));
        rotor = RotorFeature.builder(config).handleSignals(false).exit(status -> { }).build();
        server.update(rotor);
    }

    @AfterAll
    static void close() {
        rotor.close();
    }

    @Test
    void aFeatureHelidonDiscoversForTheHostIsSetUpNextToRotors(WebServer server) {
        List<String> types = server.prototype().features().stream().map(ServerFeature::type).toList();
        assertThat(types, hasItem(HostFeatureProvider.TYPE));
        assertThat(types, hasItem("rotor"));
        try (Http1ClientResponse res = client.get("/host-feature").request()) {
            assertThat(res.as(String.class), is("host feature"));
        }
    }

    @Test
    void theObserveFeatureHelidonWouldDiscoverGivesWayToRotors(WebServer server) {
        long observeFeatures = server.prototype().features().stream().filter(f -> "observe".equals(f.type())).count();
        assertThat(observeFeatures, is(1L));
        try (Http1ClientResponse res = client.get("/observe/health").request()) {
            assertThat(res.status().code(), is(200));
            assertThat(res.as(String.class), containsString("replica-ready"));
        }
    }
}
