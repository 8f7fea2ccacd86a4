package dev.rotor.feature;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.rotor.admission.AdmissionFilter;
import dev.rotor.config.ConfigLoader;
import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.support.Await;

import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The feature on a bare Helidon server that knows nothing of Rotor but one {@code update}, as
 * Helidon's {@code @ServerTest} builds it (a real socket): a hello route, counted toward the
 * quota; the probes and {@code /observe} never counted; at the quota readiness turns 503 at once,
 * requests that still arrive are served, and once drained (liveness mode) liveness turns 503.
 * Building and adding the feature opens nothing; the server's build does.
 *
 * <p>This extension copies the default listener's settings out and back in after
 * {@code @SetUpServer} ({@code HelidonServerJunitExtension.addRouting}, 4.5.0:
 * {@code ListenerConfig.builder().from(builder)}, then {@code builder.from(listener)}), and the
 * generated {@code from} appends lists: the wire's connection selector ends up on the listener
 * twice. With two selectors Helidon reads a connection's first bytes itself to pick one
 * ({@code ConnectionHandler.identifyConnection}); the wire used to read past them, so every
 * request waited for its request line until the header deadline closed the connection (the
 * earlier "hang"). The wire now takes over what Helidon read ({@code WatchedContext}); what
 * remains different here is only that a connection that never sends a byte waits in Helidon's
 * read, before the wire's header deadline applies, so silent connections are tested on a plain
 * server ({@code HostileClientsIT}).
 */
@ServerTest
class RotorFeatureTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Helidon's per-request filter chain: on a handler's stack once any filter is on the routing. */
    private static final String HELIDON_CHAIN = "io.helidon.webserver.http.Filters$FilterChainImpl";
    private static final AtomicInteger CHAINED = new AtomicInteger();
    private static final MeterRegistry REGISTRY = Metrics.createMeterRegistry();
    private static RotorFeature rotor;
    private static int rotorMetersOnceConfigured;
    private static boolean partsOpenOnceConfigured;
    private static Duration jvmUptimeBeforeBuild;
    private final Http1Client client;

    RotorFeatureTest(Http1Client client) {
        this.client = client;
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        Config config = ConfigLoader.load(Map.of(), Map.of("server.port", "0",
                                                           "server.host", "127.0.0.1",
                                                           "rotor.lifecycle.max-requests", "3",
                                                           "rotor.lifecycle.max-requests-jitter", "0",
                                                           "rotor.lifecycle.drain-period", "PT0S",
                                                           "rotor.warmup.requests", "0",
                                                           "rotor.fleet.leak-report", "false"));
        jvmUptimeBeforeBuild = Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
        rotor = RotorFeature.builder(config).handleSignals(false).exit(status -> { }).meterRegistry(REGISTRY).build();
        // as an application does it: the one line
        server.update(rotor);
        rotorMetersOnceConfigured = REGISTRY.meters(m -> m.id().name().startsWith("rotor.")).size();
        try {
            rotor.lifecycle();
            partsOpenOnceConfigured = true;
        } catch (IllegalStateException notOpen) {
            partsOpenOnceConfigured = false;
        }
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.get("/hello", (req, res) -> {
            // the stack, handler first: admission must run in the wire's front, before Helidon's
            // routing, so no frame of Helidon's filter chain may sit below (before) admission's;
            // a feature Helidon discovers here (CORS) may still have a chain of its own above it
            List<String> frames = StackWalker.getInstance().walk(f -> f.map(StackWalker.StackFrame::getClassName).toList());
            int admission = frames.lastIndexOf(AdmissionFilter.class.getName());
            if (admission < 0 || frames.lastIndexOf(HELIDON_CHAIN) > admission) {
                CHAINED.incrementAndGet();
            }
            res.send("hello");
        });
    }

    @AfterAll
    static void close() {
        rotor.close();
    }

    @Test
    void buildingAndAddingTheFeatureOpensNothingBuildingTheServerDoes() {
        assertThat("no part open once the builder has the feature", partsOpenOnceConfigured, is(false));
        assertThat("no meter registered once the builder has the feature", rotorMetersOnceConfigured, is(0));
        assertThat("the server's build opened them", REGISTRY.meters(m -> m.id().name().startsWith("rotor.")), not(empty()));
    }

    @Test
    void countsTheAppsRequestsAndDrainsItAtTheQuotaWhileProbesNeverCount() {
        assertThat(status("/observe/health/ready"), is(200));
        assertThat(body("/hello"), is("hello"));
        assertThat(body("/hello"), is("hello"));
        assertThat(status("/observe/health/started"), is(200));
        assertThat(body("/observe/replica"), containsString("\"served\":2"));
        assertThat("probes and /observe never count", rotor.lifecycle().served(), is(2L));
        assertThat("admission ran in the wire's front, not in Helidon's filter chain", CHAINED.get(), is(0));
        assertThat(status("/observe/health/ready"), is(200));

        assertThat(body("/hello"), is("hello"));
        assertThat("the request that reaches the quota turned readiness down", status("/observe/health/ready"), is(503));
        assertThat("requests that still arrive are served", status("/hello"), is(200));
        Await.equal("liveness once drained", WAIT, () -> status("/observe/health/live"), 503);
        assertThat(rotor.lifecycle().state(), is(ReplicaState.EXPIRED));
    }

    @Test
    void theReplicasAgeCountsFromTheJvmsStart() {
        assertThat("the minimum and maximum lifetime count the process's run time, as orchestrators do",
                   rotor.lifecycle().age(), greaterThanOrEqualTo(jvmUptimeBeforeBuild));
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
