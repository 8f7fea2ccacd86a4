package dev.rotor.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import dev.rotor.support.JarProcess;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * The compose front's queue: a real HAProxy with {@code deploy/haproxy.cfg}'s defaults and its
 * backend server line in front of a real replica (shipped admission settings) whose limit is
 * small. Four times more requests at once than the replica's limit wait in HAProxy's queue and are
 * all answered, none refused by the replica although HAProxy sends the next one the moment an
 * answer arrives (the replica's own short queue absorbs that); without the server line's
 * {@code maxconn} the same load gets the replica's 503s (what a rotation used to turn into when
 * one replica carried all the load).
 */
class HaproxyQueueIT {
    private static final int LIMIT = 4;
    private static final int CLIENTS = 16;

    @Test
    void requestsBeyondAReplicasLimitWaitInTheFrontDoorsQueueInsteadOfGetting503() throws Exception {
        Tools.assumeOnPath("haproxy", "the compose front is HAProxy; apt-get install haproxy");
        ComposeFrontTest.Haproxy file = ComposeFrontTest.Haproxy.read();
        String serverDefaults = file.section("backend ready").stream().filter(l -> l.startsWith("default-server"))
                .findFirst().orElseThrow()
                .replace(" resolvers docker resolve-prefer ipv4 init-addr none", "");
        assertThat(serverDefaults, containsString("maxconn \"${ROTOR_BACKEND_MAXCONN-50}\""));
        try (JarProcess replica = JarProcess.start(Map.of("MAX_CONCURRENT_REQUESTS", String.valueOf(LIMIT),
                                                              "ROTOR_DEMO_ENDPOINTS", "true", "ROTOR_MAX_REQUESTS", "0"))) {
            replica.awaitReady();
            Map<Integer, Integer> queued = statuses(file, serverDefaults, replica.port());
            assertThat("every request answered through the queue: " + queued, queued, is(Map.of(200, CLIENTS)));
            Map<Integer, Integer> unqueued = statuses(file, serverDefaults.replace("maxconn \"${ROTOR_BACKEND_MAXCONN-50}\"", ""),
                                                      replica.port());
            assertThat("without maxconn the replica refuses what it cannot take: " + unqueued,
                       unqueued.getOrDefault(503, 0), is(greaterThan(0)));
        }
    }

    /** @return status -> count for {@link #CLIENTS} slow requests at once through HAProxy */
    private static Map<Integer, Integer> statuses(ComposeFrontTest.Haproxy file, String serverDefaults, int replicaPort)
            throws Exception {
        Path dir = Files.createTempDirectory("haproxy-queue");
        int port = JarProcess.freePort();
        StringBuilder text = new StringBuilder("global\n    maxconn 200\ndefaults\n");
        file.section("defaults").forEach(l -> text.append("    ").append(l).append('\n'));
        text.append("frontend public\n    bind 127.0.0.1:").append(port).append("\n    default_backend ready\n")
            .append("backend ready\n    balance roundrobin\n    ").append(serverDefaults.replace("check ", ""))
            .append("\n    server app 127.0.0.1:").append(replicaPort).append('\n');
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, text);
        ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile());
        pb.environment().put("ROTOR_BACKEND_MAXCONN", String.valueOf(LIMIT));
        Process haproxy = pb.start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
            awaitListening(client, port, haproxy, dir);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                // each request holds the replica's permit for 600 ms: four at a time fit, and the last
                // four would wait 1.8 s, past the replica's own queue timeout (1 s)
                answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/work?ms=600"))
                                                     .timeout(Duration.ofSeconds(60)).build(),
                                             HttpResponse.BodyHandlers.ofString()));
            }
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (CompletableFuture<HttpResponse<String>> a : answers) {
                statuses.merge(a.get().statusCode(), 1, Integer::sum);
            }
            return statuses;
        } finally {
            haproxy.destroy();
            haproxy.waitFor();
        }
    }

    private static void awaitListening(HttpClient client, int port, Process haproxy, Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            assertThat("haproxy runs; log:\n" + Files.readString(dir.resolve("haproxy.log")), haproxy.isAlive(), is(true));
            try {
                client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                assertThat("HAProxy listening within 60 s", System.nanoTime() < deadline, is(true));
                Thread.sleep(20);
            }
        }
    }
}
