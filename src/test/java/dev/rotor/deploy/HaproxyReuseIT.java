package dev.rotor.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The compose front keeps reusing its connections to the replicas while many clients hold
 * connections open. A real HAProxy runs the {@code global} and {@code defaults} sections of
 * {@code deploy/haproxy.cfg} as they are, in front of a local HTTP server that records every
 * connection it accepts; 1,200 clients hold unfinished header blocks open (as slow or idle
 * clients do), and one keep-alive client sends 50 requests. The same with the file's
 * {@code tune.pool-*-fd-ratio} lines taken out shows what they prevent: one new connection to
 * the replica per request.
 */
class HaproxyReuseIT {
    private static final int HELD = 1_200;
    private static final int REQUESTS = 50;

    @TempDir
    Path dir;

    @Test
    void connectionsToTheReplicasAreReusedWhileManyClientsAreConnected() throws Exception {
        Tools.assumeOnPath("haproxy", "the compose front is HAProxy; apt-get install haproxy");
        ComposeFrontTest.Haproxy file = ComposeFrontTest.Haproxy.read();
        assertThat("with the file's settings", backendConnections(file, line -> true), lessThanOrEqualTo(2));
        assertThat("without its tune.pool-*-fd-ratio lines, HAProxy stops pooling and connects per request",
                   backendConnections(file, line -> !line.startsWith("tune.pool-")), greaterThanOrEqualTo(REQUESTS - 5));
    }

    /**
     * @param keep which lines of the file's global section to run with
     * @return the connections the backend accepted for {@link #REQUESTS} requests on one client connection,
     *         while {@link #HELD} other clients hold connections open
     */
    private int backendConnections(ComposeFrontTest.Haproxy file, Predicate<String> keep) throws Exception {
        Set<Integer> peers = ConcurrentHashMap.newKeySet();
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        backend.createContext("/", exchange -> {
            peers.add(exchange.getRemoteAddress().getPort());
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        int port = JarProcess.freePort();
        Path stats = dir.resolve("stats-" + port + ".sock");
        Path cfg = dir.resolve("haproxy-" + port + ".cfg");
        StringBuilder text = new StringBuilder("global\n");
        file.section("global").stream().filter(keep).forEach(l -> text.append("    ").append(l).append('\n'));
        text.append("    stats socket ").append(stats).append(" level user\n");
        text.append("defaults\n");
        file.section("defaults").forEach(l -> text.append("    ").append(l).append('\n'));
        // the held clients stay unfinished for the whole test, however slow the machine
        text.append("frontend public\n    bind 127.0.0.1:").append(port).append("\n    timeout http-request 120s\n")
            .append("    default_backend replica\n")
            .append("backend replica\n    server one 127.0.0.1:").append(backend.getAddress().getPort()).append('\n');
        Files.writeString(cfg, text);
        Process haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy-" + port + ".log").toFile()).start();
        List<Socket> held = new ArrayList<>();
        try {
            awaitCurrentConnections(stats, haproxy, 0);
            for (int i = 0; i < HELD; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-a: ".getBytes(StandardCharsets.US_ASCII));
                held.add(s);
            }
            awaitCurrentConnections(stats, haproxy, HELD);
            try (Socket client = new Socket("127.0.0.1", port)) {
                OutputStream out = client.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                for (int i = 0; i < REQUESTS; i++) {
                    out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    List<String> response = Http.readResponse(in);
                    assertThat(response.getFirst(), is("HTTP/1.1 200 OK"));
                    assertThat(response.getLast(), is("ok"));
                }
            }
            assertThat("the held clients were still connected throughout", currentConnections(stats), greaterThanOrEqualTo(HELD));
            return peers.size();
        } finally {
            for (Socket s : held) {
                s.close();
            }
            haproxy.destroy();
            haproxy.waitFor();
            backend.stop(0);
        }
    }

    /** Waits until HAProxy answers on its stats socket with at least {@code atLeast} client connections. */
    private static void awaitCurrentConnections(Path stats, Process haproxy, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            assertThat("haproxy is running", haproxy.isAlive(), is(true));
            try {
                if (currentConnections(stats) >= atLeast) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertThat("HAProxy reached " + atLeast + " connections within 60 s", System.nanoTime() < deadline, is(true));
            Thread.sleep(10);
        }
    }

    /** HAProxy's {@code CurrConns} (client connections open now), from {@code show info} on its stats socket. */
    private static int currentConnections(Path stats) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(stats));
            ch.write(ByteBuffer.wrap("show info\n".getBytes(StandardCharsets.US_ASCII)));
            String info;
            try (InputStream in = Channels.newInputStream(ch)) {
                info = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            return info.lines().filter(l -> l.startsWith("CurrConns: ")).mapToInt(l -> Integer.parseInt(l.substring(11).strip()))
                       .findFirst().orElseThrow(() -> new IOException("no CurrConns in: " + info));
        }
    }
}
