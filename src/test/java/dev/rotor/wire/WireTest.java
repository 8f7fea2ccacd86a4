package dev.rotor.wire;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.common.buffers.BufferData;
import io.helidon.metrics.api.Metrics;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The deadlines and the stuck-work count, driven by a fake clock (a deadline counts from the
 * watchdog's first look at its phase or request); and, on a real socket, the connection handed
 * to the wire whole when Helidon reads first.
 */
class WireTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private Wire wire;

    @BeforeEach
    void setUp() {
        WireConfig config = new WireConfig(Duration.ofSeconds(10), Duration.ofSeconds(15), TIMEOUT, 2, 10_000, 1 << 20, 128);
        wire = new Wire(config, -1, now::get, Metrics.globalRegistry());
    }

    @AfterEach
    void tearDown() {
        wire.close();
    }

    @Test
    void aRequestPastItsDeadlineIsReleasedOnceAndCountedStuckUntilItReturns() {
        AtomicInteger released = new AtomicInteger();
        RequestWatch r = wire.watchRequest(released::incrementAndGet, () -> false);
        wire.scan(now.get());
        assertThat("the watchdog's first look only stamps the request", released.get(), is(0));
        now.addAndGet(TIMEOUT.toNanos() - 1);
        wire.scan(now.get());
        assertThat("before the deadline nothing happens", released.get(), is(0));
        assertThat(wire.stuck(), is(0));

        now.addAndGet(1);
        wire.scan(now.get());
        assertThat("the deadline releases the permit", released.get(), is(1));
        assertThat(wire.stuck(), is(1));
        assertThat(r.timedOut(), is(true));

        now.addAndGet(TIMEOUT.toNanos());
        wire.scan(now.get());
        assertThat("released once", released.get(), is(1));

        wire.finished(r);
        assertThat("its handler returned: no longer stuck", wire.stuck(), is(0));
        assertThat("and still released once", released.get(), is(1));
    }

    @Test
    void aRequestsDeadlineCountsFromTheWatchdogsFirstLookAtIt() {
        AtomicInteger released = new AtomicInteger();
        long tick = wire.tick().toNanos();
        wire.scan(now.get());
        // admitted half a tick after one look: the next look, half a tick later, stamps it
        now.addAndGet(tick / 2);
        wire.watchRequest(released::incrementAndGet, () -> false);
        now.addAndGet(tick / 2);
        wire.scan(now.get());
        long stamped = now.get();
        for (long at = stamped + tick; at < stamped + TIMEOUT.toNanos(); at += tick) {
            now.set(at);
            wire.scan(at);
        }
        assertThat("a timeout after admission, but not yet after the stamp: still running", released.get(), is(0));
        now.set(stamped + TIMEOUT.toNanos());
        wire.scan(now.get());
        assertThat("ended by the look a timeout after the stamp, less than two ticks past its deadline",
                   released.get(), is(1));
    }

    @Test
    void aRequestThatFinishesInTimeIsReleasedByItsHandlerOnly() {
        AtomicInteger released = new AtomicInteger();
        RequestWatch r = wire.watchRequest(released::incrementAndGet, () -> false);
        now.addAndGet(TIMEOUT.toNanos() / 2);
        wire.finished(r);
        assertThat(released.get(), is(1));
        now.addAndGet(TIMEOUT.toNanos() * 2);
        wire.scan(now.get());
        assertThat(released.get(), is(1));
        assertThat(wire.stuck(), is(0));
        assertThat(r.timedOut(), is(false));
    }

    @Test
    void theConnectionCapLeavesRoomForTheDescriptorsTheProcessNeeds() {
        assertThat(Wire.effectiveMaxConnections(10_000, 1_048_576), is(10_000));
        assertThat(Wire.effectiveMaxConnections(10_000, 1024), is(1024 - Wire.RESERVED_DESCRIPTORS));
        assertThat("a tiny limit still leaves a few", Wire.effectiveMaxConnections(10_000, 100), is(16));
        assertThat("unknown limit: as configured", Wire.effectiveMaxConnections(500, -1), is(500));
    }

    @Test
    void theWatchdogLooksOftenEnoughForTheShortestDeadline() {
        assertThat(wire.tick(), is(Duration.ofMillis(500)));
        Wire fast = new Wire(new WireConfig(Duration.ofSeconds(1), Duration.ofSeconds(15), TIMEOUT, 0, 100, 1 << 20, 128),
                             -1, now::get, Metrics.globalRegistry());
        assertThat(fast.tick(), is(Duration.ofMillis(50)));
        fast.close();
    }

    @Test
    void aRequestReachesTheWireWhenHelidonReadsItsFirstBytesToPickASelector() {
        // with a second selector on the listener (a host's, or the copy @ServerTest makes of the
        // wire's) Helidon reads the first bytes itself before it hands the connection over
        ServerConnectionSelector another = new ServerConnectionSelector() {
            @Override
            public int bytesToIdentifyConnection() {
                return 0;
            }

            @Override
            public Support supports(BufferData data) {
                return Support.UNSUPPORTED;
            }

            @Override
            public Set<String> supportedApplicationProtocols() {
                return Set.of();
            }

            @Override
            public ServerConnection connection(ConnectionContext ctx) {
                throw new IllegalStateException("never picked");
            }
        };
        WebServerConfig.Builder builder = WebServer.builder().host("127.0.0.1").port(0)
                .routing(r -> r.get("/", (req, res) -> res.send("ok")));
        Wire.configure(builder, Http1Config.builder(), () -> wire);
        builder.addConnectionSelector(another);
        WebServer server = builder.build().start();
        Http1Client client = Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build();
        try (Http1ClientResponse res = client.get("/").request()) {
            assertThat(res.as(String.class), is("ok"));
            assertThat("the request line reached the wire's watch", wire.openConnections(), is(1));
        } finally {
            client.closeResource();
            server.stop();
        }
    }
}
