package dev.rotor;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.TestReplica;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

/**
 * Evict mode against a local HTTPS stand-in for the Kubernetes API, with its own CA: it
 * checks the path, the {@code policy/v1 Eviction} body and the bearer token, and answers
 * from a script (201; 429 then 201; 403).
 */
class SelfEvictionTest {
    private static final String TOKEN = "test-service-account-token";
    private static final String PATH = "/api/v1/namespaces/shop/pods/rotor-abc/eviction";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private HttpsServer api;
    private final Deque<Integer> answers = new ArrayDeque<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Integer> answered = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startApi() throws Exception {
        Path keystore = dir.resolve("api.p12");
        keytool("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", dir.resolve("ca.crt").toString());
        Files.writeString(dir.resolve("token"), TOKEN + "\n");

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);

        api = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.setHttpsConfigurator(new HttpsConfigurator(ssl));
        api.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (!"POST".equals(exchange.getRequestMethod())) {
                problems.add("method " + exchange.getRequestMethod());
            }
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                problems.add("path " + exchange.getRequestURI().getPath());
            }
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                problems.add("authorization " + exchange.getRequestHeaders().getFirst("Authorization"));
            }
            if (!body.contains("\"apiVersion\":\"policy/v1\"") || !body.contains("\"kind\":\"Eviction\"")
                    || !body.contains("\"name\":\"rotor-abc\"") || !body.contains("\"namespace\":\"shop\"")) {
                problems.add("body " + body);
            }
            int status;
            synchronized (answers) {
                status = answers.isEmpty() ? 500 : answers.pop();
            }
            answered.add(status);
            if (status == 429) {
                exchange.getResponseHeaders().add("Retry-After", "1");
            }
            byte[] reply = ("{\"kind\":\"Status\",\"code\":" + status + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        api.start();
    }

    @AfterEach
    void stopApi() {
        api.stop(0);
    }

    private TestReplica replica() {
        return replica(Map.of());
    }

    private TestReplica replica(Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(more);
        settings.putAll(Map.ofEntries(
                Map.entry("rotor.lifecycle.exit-mode", "evict"),
                Map.entry("rotor.lifecycle.max-requests", "1"),
                Map.entry("rotor.lifecycle.max-requests-jitter", "0"),
                Map.entry("rotor.lifecycle.drain-period", "PT0.1S"),
                Map.entry("rotor.fleet.leak-report", "false"),
                Map.entry("rotor.kubernetes.api-url", "https://127.0.0.1:" + api.getAddress().getPort()),
                Map.entry("rotor.kubernetes.token-path", dir.resolve("token").toString()),
                Map.entry("rotor.kubernetes.ca-path", dir.resolve("ca.crt").toString()),
                Map.entry("rotor.kubernetes.pod-name", "rotor-abc"),
                Map.entry("rotor.kubernetes.namespace", "shop"),
                Map.entry("rotor.kubernetes.evict-retry", "PT0.1S")));
        return TestReplica.start(settings);
    }

    @Test
    void acceptedEvictionLeavesTheRestToKubernetes() {
        answers.add(201);
        try (TestReplica r = replica()) {
            Http.get(r.port(), "/");
            Await.equal("eviction requests", WAIT, answered::size, 1);
            assertThat(problems, is(List.of()));
            assertThat("liveness stays up: Kubernetes deletes the pod", Http.status(r.port(), "/observe/health/live"), is(200));
            // the stand-in counts a request before the replica has read the answer: wait for the meter
            Await.until("the accepted-eviction meter", WAIT, () -> Http.get(r.port(), "/observe/metrics").body()
                    .contains("rotor_evictions_total{result=\"accepted\",scope=\"application\",} 1.0"));
        }
    }

    @Test
    void acceptedEvictionStartsTheFleetSlotsHoldWhileThePodStillRuns() {
        answers.add(201);
        try (RedisTestServer redis = RedisTestServer.startNew();
             Jedis jedis = new Jedis("127.0.0.1", redis.port());
             TestReplica r = replica(Map.of("rotor.redis.url", redis.url(),
                                            "rotor.fleet.service-name", "evict-lease",
                                            "rotor.fleet.lease-ttl", "PT90S",
                                            "rotor.fleet.lease-hold", "PT20S"))) {
            Http.get(r.port(), "/");
            Await.equal("eviction requests", WAIT, answered::size, 1);
            String key = "rotor:evict-lease:rotation-slots";
            // the ReplicaSet starts the replacement now: the slot stays taken for the 20 s hold,
            // no longer for the 90 s lease, though this pod has not had its SIGTERM yet
            Await.until("the slot expiring within the hold", WAIT, () -> {
                List<String> holders = jedis.zrange(key, 0, -1);
                if (holders.size() != 1) {
                    return false;
                }
                List<String> time = jedis.time();
                long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
                long left = jedis.zscore(key, holders.get(0)).longValue() - now;
                return left > 0 && left <= 20_000;
            });
            assertThat("the pod still runs: Kubernetes deletes it", Http.status(r.port(), "/observe/health/live"), is(200));
        }
    }

    @Test
    void disruptionBudgetRefusalIsRetriedUntilAccepted() {
        answers.addAll(List.of(429, 201));
        try (TestReplica r = replica()) {
            Http.get(r.port(), "/");
            Await.equal("eviction requests", WAIT, answered::size, 2);
            assertThat(answered, contains(429, 201));
            assertThat(problems, is(List.of()));
            assertThat(Http.status(r.port(), "/observe/health/live"), is(200));
        }
    }

    @Test
    void forbiddenEvictionFallsBackToFailingLiveness() {
        answers.add(403);
        try (TestReplica r = replica()) {
            Http.get(r.port(), "/");
            Await.equal("liveness", WAIT, () -> Http.status(r.port(), "/observe/health/live"), 503);
            assertThat(answered, everyItem(is(403)));
            assertThat(answered.size(), is(1));
        }
    }

    @Test
    void evictModeWithoutPodNameStopsStartup() {
        dev.rotor.config.InvalidSettingException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.rotor.config.InvalidSettingException.class,
                () -> TestReplica.start(Map.of("rotor.lifecycle.exit-mode", "evict")));
        assertThat(e.getMessage(), containsString("POD_NAME"));
    }

    private static void keytool(String... args) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
    }
}
