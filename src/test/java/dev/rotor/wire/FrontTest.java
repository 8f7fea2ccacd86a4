package dev.rotor.wire;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.rotor.support.Await;

import io.helidon.http.Status;
import io.helidon.metrics.api.Metrics;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http1.Http1Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The wire's front filters on a real socket: in weight order before the routing, with the path
 * as the request sent it, able to answer instead of the routing, and without Helidon's filter
 * chain on the way to a handler.
 */
class FrontTest {
    /** Helidon's per-request filter chain, present on a handler's stack once any filter is on the routing. */
    private static final String HELIDON_CHAIN = "io.helidon.webserver.http.Filters$FilterChainImpl";

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private Wire wire;
    private WebServer server;
    private Http1Client client;

    @BeforeEach
    void setUp() {
        WireConfig config = new WireConfig(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(60), 2, 10_000,
                                           1 << 20, 128);
        wire = new Wire(config, -1, System::nanoTime, Metrics.globalRegistry());
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.closeResource();
        }
        if (server != null) {
            server.stop();
        }
        wire.close();
    }

    private Filter named(String name) {
        return (chain, req, res) -> {
            seen.add(name + " " + req.path().path());
            if (req.path().path().equals("/refused/" + name)) {
                res.status(Status.FORBIDDEN_403).send("refused by " + name);
                return;
            }
            chain.proceed();
        };
    }

    private void start(WebServerConfig.Builder builder) {
        Wire.configure(builder, Http1Config.builder(), () -> wire);
        server = builder.build().start();
        client = Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build();
    }

    private static WebServerConfig.Builder serving() {
        // nothing discovered on the test classpath joins in (Helidon's metrics feature adds a filter)
        return WebServer.builder().host("127.0.0.1").port(0).featuresDiscoverServices(false);
    }

    private String get(String path) {
        try (Http1ClientResponse res = client.get(path).request()) {
            return res.status().code() + " " + res.as(String.class);
        }
    }

    @Test
    void filtersRunByWeightBeforeTheRoutingAndAHandlerSeesNoHelidonChain() {
        wire.front(named("low"), 10);
        wire.front(named("high"), 20);
        start(serving().routing(r -> r.get("/items/{id}", (req, res) -> {
            boolean chained = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().equals(HELIDON_CHAIN)));
            seen.add("handler " + req.path().pathParameters().get("id") + (chained ? " chained" : ""));
            res.send("item");
        })));

        assertThat(get("/items/7"), is("200 item"));
        assertThat(seen, contains("high /items/7", "low /items/7", "handler 7"));
    }

    @Test
    void filtersOfEqualWeightRunInTheOrderTheyWereAdded() {
        wire.front(named("first"), 10);
        wire.front(named("second"), 10);
        wire.front(named("third"), 10);
        start(serving().routing(r -> r.get("/", (req, res) -> res.send("ok"))));

        assertThat(get("/"), is("200 ok"));
        assertThat(seen, contains("first /", "second /", "third /"));
    }

    @Test
    void aFilterThatAnswersKeepsTheRoutingAndTheFiltersAfterItOut() {
        wire.front(named("low"), 10);
        wire.front(named("high"), 20);
        start(serving().routing(r -> r.any((req, res) -> {
            seen.add("handler");
            res.send("routed");
        })));

        assertThat(get("/refused/high"), is("403 refused by high"));
        assertThat(seen, contains("high /refused/high"));
        seen.clear();
        assertThat(get("/refused/low"), is("403 refused by low"));
        assertThat(seen, contains("high /refused/low", "low /refused/low"));
    }

    @Test
    void aFilterThatEndsTheConnectionAfterItsAnswerEndsIt() {
        wire.front((chain, req, res) -> {
            chain.proceed();
            throw new CloseConnectionException("closes after this response");
        }, 10);
        start(serving().routing(r -> r.get("/", (req, res) -> res.send("once"))));

        assertThat(get("/"), is("200 once"));
        Await.until("the server ends the connection", Duration.ofSeconds(30), () -> wire.openConnections() == 0);
    }

    @Test
    void withoutFiltersTheRoutingIsHelidonsOwn() {
        start(serving().routing(r -> r.get("/", (req, res) -> res.send("bare"))));

        assertThat(get("/"), is("200 bare"));
        assertThat(seen, empty());
    }

    @Test
    void noFilterJoinsOnceTheWireServes() {
        start(serving().routing(r -> r.get("/", (req, res) -> res.send("bare"))));
        assertThat(get("/"), is("200 bare"));

        assertThrows(IllegalStateException.class, () -> wire.front(named("late"), 10));
    }
}
