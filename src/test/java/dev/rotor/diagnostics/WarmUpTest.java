package dev.rotor.diagnostics;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** The warm-up's client against real servers: what it sends, and that nothing it meets holds it. */
class WarmUpTest {
    private static final Duration PLENTY = Duration.ofSeconds(30);

    @Test
    void sendsItsCountOfRequestsForTheStatusOnOneKeptAliveConnection() {
        AtomicInteger hits = new AtomicInteger();
        Set<String> connections = ConcurrentHashMap.newKeySet();
        WebServer server = server(routing -> routing.get(WarmUp.PATH, (req, res) -> {
            hits.incrementAndGet();
            connections.add(req.remotePeer().address().toString());
            res.send("{\"state\":\"STARTING\"}");
        }));
        try {
            WarmUp.Result result = WarmUp.run(new WarmUpConfig(40, PLENTY), local(server));
            assertThat(result.stopped().isPresent(), is(false));
            assertThat(result.answered(), is(40));
            assertThat(hits.get(), is(40));
            assertThat("one connection, kept alive", connections.size(), is(1));
        } finally {
            server.stop();
        }
    }

    @Test
    void readsChunkedBodiesAndReconnectsWhenTheServerCloses() {
        AtomicInteger hits = new AtomicInteger();
        Set<String> connections = ConcurrentHashMap.newKeySet();
        WebServer server = server(routing -> routing.get(WarmUp.PATH, (req, res) -> {
            int n = hits.incrementAndGet();
            connections.add(req.remotePeer().address().toString());
            if (n % 2 == 0) {
                res.header(HeaderNames.CONNECTION, "close");
            }
            try (OutputStream out = res.outputStream()) { // no length: chunked
                out.write("{\"chunk\":1}".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                out.write("{\"chunk\":2}".getBytes(StandardCharsets.US_ASCII));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        try {
            WarmUp.Result result = WarmUp.run(new WarmUpConfig(10, PLENTY), local(server));
            assertThat(result.stopped().isPresent(), is(false));
            assertThat(result.answered(), is(10));
            assertThat(hits.get(), is(10));
            assertThat("a new connection after each closed one", connections.size(), is(5));
        } finally {
            server.stop();
        }
    }

    @Test
    void anAnswerOtherThan200EndsIt() {
        AtomicInteger hits = new AtomicInteger();
        WebServer server = server(routing -> routing.get(WarmUp.PATH, (req, res) -> {
            if (hits.incrementAndGet() > 3) {
                res.status(Status.SERVICE_UNAVAILABLE_503).send("{}");
            } else {
                res.send("{}");
            }
        }));
        try {
            WarmUp.Result result = WarmUp.run(new WarmUpConfig(300, PLENTY), local(server));
            assertThat(result.answered(), is(3));
            assertThat(result.stopped().orElseThrow(), is("status 503"));
            assertThat("nothing sent after the refusal", hits.get(), is(4));
        } finally {
            server.stop();
        }
    }

    @Test
    void aListenerThatNeverAnswersHoldsItNoLongerThanItsTimeout() throws Exception {
        // accepts (the backlog does) and reads nothing, answers nothing
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            WarmUp.Result result = WarmUp.run(new WarmUpConfig(300, Duration.ofMillis(200)),
                                              new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()));
            assertThat(result.answered(), is(0));
            assertThat(result.stopped().orElseThrow(), containsString("timeout of PT0.2S"));
        }
    }

    @Test
    void aRefusedConnectionEndsItAtOnce() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        WarmUp.Result result = WarmUp.run(new WarmUpConfig(300, PLENTY),
                                          new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        assertThat(result.answered(), is(0));
        assertThat(result.stopped().orElseThrow(), containsString("ConnectException"));
    }

    @Test
    void aServerThatHangsUpMidResponseEndsIt() throws Exception {
        try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = rude.accept()) {
                    s.getInputStream().read(new byte[256]);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut".getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException ignored) {
                    // the test reads what the warm-up made of it
                }
            });
            WarmUp.Result result = WarmUp.run(new WarmUpConfig(5, PLENTY),
                                              new InetSocketAddress(InetAddress.getLoopbackAddress(), rude.getLocalPort()));
            assertThat(result.answered(), is(0));
            assertThat(result.stopped().orElseThrow(), containsString("ended early"));
        }
    }

    @Test
    void aWildcardListenerIsReachedOnLoopback() throws Exception {
        assertThat(WarmUp.loopbackFor("0.0.0.0"), is(InetAddress.getLoopbackAddress()));
        assertThat(WarmUp.loopbackFor("::"), is(InetAddress.getLoopbackAddress()));
        assertThat(WarmUp.loopbackFor(""), is(InetAddress.getLoopbackAddress()));
        assertThat(WarmUp.loopbackFor("127.0.0.1"), is(InetAddress.getByName("127.0.0.1")));
        assertThat(WarmUp.loopbackFor("::1"), is(InetAddress.getByName("::1")));
    }

    private static WebServer server(Consumer<HttpRouting.Builder> routes) {
        return WebServer.builder().host("127.0.0.1").port(0).routing(routes).build().start();
    }

    private static InetSocketAddress local(WebServer server) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
    }
}
