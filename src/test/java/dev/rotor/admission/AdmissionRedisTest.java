package dev.rotor.admission;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.MetricsText;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * The rate limit through a real redis-server that the tests kill, restart and freeze while
 * in-process replicas serve real requests.
 */
class AdmissionRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer redis;

    @BeforeEach
    void startRedis() {
        redis = real.server();
    }

    private Map<String, String> settings(String rateLimit) {
        Map<String, String> s = new HashMap<>();
        s.put("rotor.redis.url", redis.url());
        s.put("rotor.redis.socket-timeout", "PT0.2S");
        s.put("rotor.redis.connect-timeout", "PT0.2S");
        s.put("rotor.redis.circuit.failure-threshold", "3");
        s.put("rotor.redis.circuit.open-for", "PT0.3S");
        s.put("rotor.admission.rate-limit", rateLimit);
        s.put("rotor.admission.max-concurrent-requests", "200");
        return s;
    }

    @Test
    void twoReplicasOnOneRedisShareOneLimit() throws Exception {
        try (TestReplica a = TestReplica.start(settings("4/PT1M"));
             TestReplica b = TestReplica.start(settings("4/PT1M"))) {
            for (int i = 0; i < 4; i++) {
                TestReplica r = i % 2 == 0 ? a : b;
                assertThat("request " + (i + 1), withKey(r.port(), "shared").statusCode(), is(200));
            }
            assertThat(withKey(a.port(), "shared").statusCode(), is(429));
            assertThat(withKey(b.port(), "shared").statusCode(), is(429));
            assertThat("the count lives in Redis", redis.command("EXISTS", redisKey("shared")), is(":1"));
        }
    }

    @Test
    void redisDyingWhileRequestsFlowCostsNoErrorsAndTheSharedLimitReturns() throws Exception {
        try (TestReplica r = TestReplica.start(settings("20/PT1M"))) {
            AtomicBoolean flowing = new AtomicBoolean(true);
            List<String> failures = new CopyOnWriteArrayList<>();
            AtomicInteger sent = new AtomicInteger();
            Thread flow = Thread.ofVirtual().start(() -> {
                while (flowing.get()) {
                    int n = sent.incrementAndGet();
                    // many clients, each far below its limit: every answer should be a 200
                    int status;
                    try {
                        status = withKey(r.port(), "client-" + (n % 500)).statusCode();
                    } catch (RuntimeException e) {
                        status = -1;
                    }
                    if (status != 200) {
                        failures.add("request " + n + ": " + status);
                    }
                }
            });
            Await.until("requests flowing", WAIT, () -> sent.get() > 50);
            redis.stop();
            Await.until("decisions made locally", WAIT, () -> metric(r.port(), "local", "allowed") > 20);
            // no request waits on a dead Redis: the circuit is open and calls skip it
            Await.until("the Redis circuit open", WAIT, () -> circuit(r.port(), "OPEN") == 1);
            int atKill = sent.get();
            Await.until("more requests during the outage", WAIT, () -> sent.get() > atKill + 100);
            redis.start();
            double redisBefore = metric(r.port(), "redis", "allowed");
            Await.until("decisions back in Redis", WAIT, () -> metric(r.port(), "redis", "allowed") > redisBefore + 20);
            flowing.set(false);
            flow.join();

            assertThat("no request failed while Redis died and came back", failures, is(empty()));
            for (int i = 0; i < 20; i++) {
                assertThat("request " + (i + 1), withKey(r.port(), "fresh").statusCode(), is(200));
            }
            assertThat(withKey(r.port(), "fresh").statusCode(), is(429));
            assertThat("the shared count is in Redis again", redis.command("EXISTS", redisKey("fresh")), is(":1"));
        }
    }

    @Test
    void aFrozenRedisCostsAtMostTheReplyTimeoutPerRequest() {
        Map<String, String> settings = settings("20/PT1M");
        // no half-open probe during the test: only the calls that open the circuit reach Redis
        settings.put("rotor.redis.circuit.open-for", "PT60S");
        try (TestReplica r = TestReplica.start(settings)) {
            assertThat(withKey(r.port(), "warm").statusCode(), is(200));
            long connections = redis.stat("total_connections_received");
            redis.pause();
            try {
                for (int i = 0; i < 10; i++) {
                    // a request that waited for the frozen Redis would never be answered: the
                    // reply timeout ends each wait and the local limiter decides
                    assertThat("request " + i, withKey(r.port(), "frozen-" + i).statusCode(), is(200));
                }
                assertThat(metric(r.port(), "local", "allowed") >= 10, is(true));
                // a replica makes one lease call at a time to a Redis that does not answer (the
                // others decide locally at once), so the three failures that open the circuit
                // take three reply timeouts of requests: keep asking until they have
                AtomicInteger more = new AtomicInteger();
                Await.until("the Redis circuit open", WAIT, () -> {
                    assertThat(withKey(r.port(), "frozen-more-" + more.incrementAndGet()).statusCode(), is(200));
                    return circuit(r.port(), "OPEN") == 1;
                });
            } finally {
                redis.resume();
            }
            // a frozen server accepts nothing itself: the kernel queued the connections, and
            // Redis counts them now. Each of the three failures that opened the circuit cost at
            // most one new connection, and this count makes one of its own; nothing else tried
            // Redis (every request waiting on it would have opened one more)
            assertThat("connections to the frozen Redis", redis.stat("total_connections_received") - connections,
                       lessThanOrEqualTo(3L + 1));
        }
    }

    private static double circuit(int port, String state) {
        return MetricsText.value(Http.get(port, "/observe/metrics").body(), "rotor_redis_circuit_state", "state=" + state);
    }

    private static HttpResponse<String> withKey(int port, String apiKey) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, "/")).header("X-Api-Key", apiKey).GET());
    }

    private static double metric(int port, String backend, String result) {
        String prefix = "rotor_admission_rate_decisions_total{backend=\"" + backend + "\",result=\"" + result + "\",";
        return Http.get(port, "/observe/metrics").body().lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }

    private static String redisKey(String apiKey) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
        // the default ROTOR_SERVICE_NAME is "rotor"
        return "rotor:rotor:rate:key:" + java.util.HexFormat.of().formatHex(hash).substring(0, 32);
    }
}
