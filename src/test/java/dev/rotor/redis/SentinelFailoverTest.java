package dev.rotor.redis;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.MetricsText;
import dev.rotor.support.RedisSentinelGroup;
import dev.rotor.support.RedisSentinelGroup.Node;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import static dev.rotor.support.Sessions.create;
import static dev.rotor.support.Sessions.say;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * Two in-process replicas on a real primary, replica and three Sentinels: the primary dies
 * (SIGKILL) or freezes (SIGSTOP) while requests flow, the Sentinels promote the replica, and
 * the replicas find it by themselves.
 */
class SentinelFailoverTest {
    /** Generous for a busy 2-core machine: a failover here takes about 2 to 4 s. */
    private static final Duration FAILOVER = Duration.ofSeconds(45);
    /**
     * How long the Sentinels wait before they act on a silent primary: the stretch in which the
     * replicas have no primary at all. Replicas that keep answering through it do not wait on a
     * dead or frozen primary; replicas whose requests waited for the failover would answer one
     * request each in it at most.
     */
    private static final Duration NO_PRIMARY = Duration.ofSeconds(3);
    /** Requests each replica must answer while there is no primary (at ~1 ms each, 3 s holds thousands). */
    private static final int ANSWERED_WITHOUT_PRIMARY = 20;

    private RedisSentinelGroup group;

    @BeforeEach
    void startRedis() {
        group = RedisSentinelGroup.start();
    }

    @AfterEach
    void stopRedis() {
        group.close();
    }

    private Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("rotor.redis.sentinels", group.sentinelList());
        s.put("rotor.redis.sentinel-master", RedisSentinelGroup.MASTER);
        s.put("rotor.redis.socket-timeout", "PT0.2S");
        s.put("rotor.redis.connect-timeout", "PT0.2S");
        s.put("rotor.redis.circuit.failure-threshold", "3");
        s.put("rotor.redis.circuit.open-for", "PT0.3S");
        s.put("rotor.admission.rate-limit", "20/PT1M");
        s.put("rotor.admission.max-concurrent-requests", "200");
        s.put("rotor.lifecycle.max-requests", "0");
        return s;
    }

    @Test
    void twoReplicasRideThroughAKilledPrimaryAndFindTheNewOne() throws Exception {
        try (TestReplica a = TestReplica.start(settings()); TestReplica b = TestReplica.start(settings())) {
            Node old = group.firstPrimary();
            String before = create(a.port(), "{\"system\":\"written before\"}");
            say(a.port(), before, "kept");
            // what the primary acknowledged reaches the replica asynchronously; a session survives
            // the failover once the replica has it (docs/reliability.md says what may be lost)
            RedisSentinelGroup.awaitReplicated(old);
            assertThat(inUse(a), is(old.address()));

            group.downAfter(NO_PRIMARY);
            Flow flow = Flow.start(a, b);
            Await.until("requests flowing", FAILOVER, () -> flow.sent.get() > 50);
            old.kill();
            long killed = System.nanoTime();
            int[] atKill = flow.answered();
            Node promoted = group.awaitFailover(old, FAILOVER);
            int[] atPromotion = flow.answered();
            Await.until("both replicas on the new primary " + promoted + " with their circuits closed", FAILOVER,
                        () -> onPrimary(a, promoted) && onPrimary(b, promoted));
            long resumed = System.nanoTime() - killed;
            int atResume = flow.sent.get();
            Await.until("requests flowing after the failover", FAILOVER, () -> flow.sent.get() > atResume + 50);
            flow.stop();

            assertThat("no request failed while the primary died and another took over", flow.failures, is(empty()));
            for (int i = 0; i < 2; i++) {
                assertThat("requests replica " + i + " answered with no primary anywhere (none waited on the dead one)",
                           atPromotion[i] - atKill[i], greaterThanOrEqualTo(ANSWERED_WITHOUT_PRIMARY));
            }
            System.out.printf("primary killed -> both replicas on the new primary: %d ms; %d requests, slowest %d ms%n",
                              resumed / 1_000_000, flow.sent.get(), flow.slowest.get() / 1_000_000);

            JsonObject read = read(b.port(), before);
            assertThat("a session written before the kill is read after it", read.getString("system"),
                       is("written before"));
            assertThat(read.getJsonArray("messages").size(), is(2));

            String after = create(b.port(), "{}");
            say(a.port(), after, "new");
            try (Jedis j = promoted.client()) {
                assertThat("new writes land on the new primary", j.exists("rotor:rotor:session:{" + after + "}:messages"),
                           is(true));
            }
            // 20/PT1M over two replicas, leased in slices of 20 / (4 x 2) = 2: a client gets the
            // limit give or take one unspent slice per replica (docs/admission.md)
            int allowed = 0;
            for (int i = 0; i < 40; i++) {
                TestReplica r = i % 2 == 0 ? a : b;
                if (withKey(r.port(), "after").statusCode() == 200) {
                    allowed++;
                }
            }
            assertThat("the limit, within one slice per replica", allowed, both(greaterThanOrEqualTo(16)).and(lessThanOrEqualTo(24)));
            assertThat("the limit is shared again", withKey(a.port(), "after").statusCode(), is(429));
            assertThat(withKey(b.port(), "after").statusCode(), is(429));
            try (Jedis j = promoted.client()) {
                assertThat("the shared count is on the new primary", j.exists(rateKey("after")), is(true));
            }
            for (TestReplica r : List.of(a, b)) {
                SharedRedis redis = r.replica().redis().orElseThrow();
                assertThat(redis.failovers(), is(1L));
                assertThat(redis.node().orElseThrow().role(), is("primary"));
                assertThat(redis.circuit().fallbackTime(), greaterThan(Duration.ZERO));
            }
            String metrics = Http.get(a.observePort(), "/observe/metrics").body();
            assertThat(metrics, MetricsText.value(metrics, "rotor_redis_node", "address=" + promoted.address(),
                                                  "role=primary"), is(1.0));
            assertThat(MetricsText.value(metrics, "rotor_redis_failovers_total"), is(1.0));
            assertThat(MetricsText.value(metrics, "rotor_redis_fallback_milliseconds_total"), greaterThan(0.0));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + group.logs(), e);
        }
    }

    @Test
    void aFrozenPrimaryCostsAtMostTheDocumentedBoundPerRequestUntilTheReplicasFollowTheFailover() {
        // docs/reliability.md: a request waits at most connect timeout + 2 reply timeouts on a
        // frozen primary (a new connection's handshake, then the command), and not at all once
        // the circuit is open. A frozen primary never answers, so a request without that bound
        // would wait until the test ends: the replica must answer request after request, many of
        // them before the Sentinels (told to wait NO_PRIMARY) have even named a new primary. No
        // request's own duration is compared with a clock a busy machine can stretch.
        group.downAfter(NO_PRIMARY);
        try (TestReplica a = TestReplica.start(settings())) {
            Node old = group.firstPrimary();
            assertThat(withKey(a.port(), "warm").statusCode(), is(200));
            old.pause();
            try {
                long slowest = 0;
                int n = 0;
                int beforePromotion = 0;
                long deadline = System.nanoTime() + FAILOVER.toNanos();
                while (true) {
                    boolean promoted = !group.namedPrimary().equals(old.address());
                    if (promoted && onPrimary(a, group.currentPrimary())) {
                        break;
                    }
                    assertThat("the replica follows the failover within " + FAILOVER, System.nanoTime() < deadline,
                               is(true));
                    long start = System.nanoTime();
                    HttpResponse<String> res = withKey(a.port(), "frozen-" + n++);
                    slowest = Math.max(slowest, System.nanoTime() - start);
                    assertThat("request " + n, res.statusCode(), is(200));
                    if (!promoted && group.namedPrimary().equals(old.address())) {
                        beforePromotion++;
                    }
                }
                assertThat("requests answered while the frozen primary was the only one", beforePromotion,
                           greaterThanOrEqualTo(ANSWERED_WITHOUT_PRIMARY));
                System.out.printf("frozen primary: %d requests until the replica used the new primary (%d before the "
                                  + "promotion), slowest %d ms%n", n, beforePromotion, slowest / 1_000_000);
                Node promoted = group.currentPrimary();
                assertThat(withKey(a.port(), "thawed").statusCode(), is(200));
                try (Jedis j = promoted.client()) {
                    assertThat("decisions are on the new primary", j.exists(rateKey("thawed")), is(true));
                }
            } finally {
                old.resume();
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + group.logs(), e);
        }
    }

    private static String inUse(TestReplica r) {
        return r.replica().redis().orElseThrow().node().map(RedisNode::address).orElse("");
    }

    private static boolean onPrimary(TestReplica r, Node primary) {
        SharedRedis redis = r.replica().redis().orElseThrow();
        return primary != null && redis.node().map(RedisNode::address).orElse("").equals(primary.address())
                && redis.circuit().state() == CircuitState.CLOSED;
    }

    private static JsonObject read(int port, String id) {
        HttpResponse<String> r = Http.get(port, "/api/sessions/" + id);
        assertThat(r.body(), r.statusCode(), is(200));
        return Json.object(r.body());
    }

    private static HttpResponse<String> withKey(int port, String apiKey) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, "/")).header("X-Api-Key", apiKey).GET());
    }

    private static String rateKey(String apiKey) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return "rotor:rotor:rate:key:" + HexFormat.of().formatHex(hash).substring(0, 32);
    }

    /**
     * Requests from many clients (each far below its limit) to two replicas, until stopped. The
     * limit is 20 a minute, and a replica on its local fallback allows each client its share, 10:
     * 5,000 clients keep the at most 50,000 requests (a few thousand a second while the primary
     * is away) at 5 per client per replica.
     */
    private static final class Flow {
        final AtomicBoolean flowing = new AtomicBoolean(true);
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicLong slowest = new AtomicLong();
        /** Requests each replica has answered, in the order the replicas were given. */
        final AtomicIntegerArray answered;
        final List<TestReplica> replicas;
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        private Flow(TestReplica... replicas) {
            this.replicas = List.of(replicas);
            this.answered = new AtomicIntegerArray(replicas.length);
        }

        static Flow start(TestReplica... replicas) {
            Flow f = new Flow(replicas);
            for (TestReplica r : replicas) {
                f.threads.add(Thread.ofVirtual().start(() -> f.run(r)));
            }
            return f;
        }

        private void run(TestReplica r) {
            while (flowing.get() && sent.get() < 50_000) {
                int n = sent.incrementAndGet();
                long start = System.nanoTime();
                String outcome;
                try {
                    int status = withKey(r.port(), "client-" + (n % 5000)).statusCode();
                    outcome = status == 200 ? null : "status " + status;
                } catch (RuntimeException e) {
                    outcome = e.toString();
                }
                slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                answered.incrementAndGet(replicas.indexOf(r));
                if (outcome != null) {
                    failures.add("request " + n + " to " + r.port() + ": " + outcome);
                }
            }
        }

        /** @return each replica's answered count now */
        int[] answered() {
            int[] now = new int[answered.length()];
            for (int i = 0; i < now.length; i++) {
                now[i] = answered.get(i);
            }
            return now;
        }

        void stop() throws InterruptedException {
            flowing.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
