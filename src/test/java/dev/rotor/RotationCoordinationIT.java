package dev.rotor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * Fleet rotation lease and the heap trigger, with the built jar as real processes and a real
 * redis-server.
 */
class RotationCoordinationIT {
    /** Generous: each wait ends as soon as its condition holds; a busy 2-core machine only slows it. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final RealRedis REDIS = new RealRedis();

    private static Map<String, String> fleetEnv(RedisTestServer redis, String id, String exitMode, String drain, String ttl) {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redis.url());
        env.put("ROTOR_REPLICA_ID", id);
        env.put("ROTOR_SERVICE_NAME", "lease-it");
        env.put("ROTOR_MAX_REQUESTS", "5");
        env.put("ROTOR_MAX_REQUESTS_JITTER", "0");
        env.put("ROTOR_EXIT_MODE", exitMode);
        env.put("ROTOR_DRAIN_PERIOD", drain);
        env.put("ROTOR_DRAIN_TIMEOUT", "PT60S");
        // the timeout chain: a drain outlasts what a request may take (queue + request timeout)
        env.put("ROTOR_REQUEST_TIMEOUT", "PT30S");
        env.put("ROTOR_ROTATION_LEASE_TTL", ttl);
        env.put("ROTOR_ROTATION_LEASE_RETRY", "PT0.1S");
        env.put("ROTOR_ROTATION_LEASE_HOLD", "PT1S");
        env.put("ROTOR_ROTATION_CEILING", "100");
        env.put("ROTOR_LEAK_REPORT", "false");
        return env;
    }

    private static String state(JarProcess p) {
        String body = Http.get(p.port(), "/observe/replica").body();
        int i = body.indexOf("\"state\":\"") + 9;
        return body.substring(i, body.indexOf('"', i));
    }

    private static void serve(JarProcess p, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(Http.status(p.port(), "/"), is(200));
        }
    }

    @Test
    void twoReplicasSharingOneSlotNeverDrainTogether() {
        RedisTestServer redis = REDIS.server();
        try (JarProcess a = JarProcess.start(fleetEnv(redis, "lease-a", "exit", "PT2S", "PT60S"));
             JarProcess b = JarProcess.start(fleetEnv(redis, "lease-b", "exit", "PT2S", "PT60S"))) {
            a.awaitReady();
            b.awaitReady();
            serve(a, 5);
            assertThat(state(a), is("DRAINING"));
            serve(b, 5);
            // b reached its quota while a holds the only slot: b keeps serving and stays ready
            assertThat(state(b), is("SERVING"));
            assertThat(Http.status(b.port(), "/observe/health/ready"), is(200));
            // every sample (Await's paced poll) checks the invariant until b drains
            Await.until("b draining once a has left and released its slot", WAIT, () -> {
                String sa = a.alive() ? stateOrGone(a) : "GONE";
                String sb = stateOrGone(b);
                assertThat("never both draining (a=" + sa + ", b=" + sb + ")",
                           sa.equals("DRAINING") && sb.equals("DRAINING"), is(false));
                return sb.equals("DRAINING") || sb.equals("GONE");
            });
            assertThat(a.awaitExit(WAIT), is(0));
            assertThat(a.output(), containsString("took a rotation slot of lease-it"));
            assertThat(b.awaitExit(WAIT), is(0));
        }
    }

    @Test
    void aWorkerReplacedInPlaceGivesItsSlotBackWhileAReplicaThatLeavesHoldsItForItsReplacement() {
        RedisTestServer redis = REDIS.server();
        int port = JarProcess.freePort();
        // both with a hold and a lease far longer than the test: only a release frees a slot here
        Map<String, String> inPlace = fleetEnv(redis, "unused", "exit", "PT1S", "PT10M");
        inPlace.remove("ROTOR_REPLICA_ID"); // a successor would share it
        inPlace.putAll(Map.of("PORT", String.valueOf(port), "ROTOR_ROTATION_LEASE_HOLD", "PT10M",
                              "ROTOR_MIN_LIFETIME", "PT0S", "ROTOR_WARMUP_REQUESTS", "20"));
        Map<String, String> leaving = fleetEnv(redis, "leave-b", "exit", "PT1S", "PT10M");
        leaving.put("ROTOR_ROTATION_LEASE_HOLD", "PT10M");
        String workers = Path.of("deploy/image/workers.sh").toAbsolutePath().toString();
        try (JarProcess container = JarProcess.command(List.of("bash", "-c",
                "set -euo pipefail; . \"$0\"; rotor_workers 1 \"$1\" -Xmx96m -XX:TieredStopAtLevel=1 -jar \"$2\"",
                workers, JarProcess.java(), JarProcess.jar().toAbsolutePath().toString()), inPlace);
             Jedis j = new Jedis("127.0.0.1", redis.port())) {
            container.awaitReady(Duration.ofSeconds(90));
            for (int i = 0; i < 5; i++) {
                assertThat(Http.status(port, "/"), is(200));
            }
            Await.until("the first worker handed over and exited", WAIT,
                        () -> container.output().contains("handed over to its successor")
                                && container.output().contains("requests; exit status 0"));
            assertThat(container.output(), containsString("took a rotation slot of lease-it"));
            assertThat("its successor serves in its place: the slot is free despite the 10 min hold; log:\n"
                               + container.output(), j.zcard(SLOTS), is(0L));
            assertThat(Http.status(port, "/"), is(200));

            try (JarProcess b = JarProcess.start(leaving)) {
                b.awaitReady();
                serve(b, 5);
                assertThat(b.awaitExit(WAIT), is(0));
                assertThat("a replica that left keeps its slot while its replacement starts (the hold)",
                           j.zscore(SLOTS, "leave-b"), is(notNullValue()));
            }
        }
    }

    @Test
    void aSlotHolderKilledWithSigkillFreesTheSlotAfterItsLeaseExpires() {
        RedisTestServer redis = REDIS.server();
        try (JarProcess a = JarProcess.start(fleetEnv(redis, "kill-a", "liveness", "PT60S", "PT3S"));
             JarProcess b = JarProcess.start(fleetEnv(redis, "kill-b", "liveness", "PT60S", "PT3S"));
             Jedis j = new Jedis("127.0.0.1", redis.port())) {
            a.awaitReady();
            b.awaitReady();
            serve(a, 4);
            // Redis's own clock (the lease script reads TIME), before and after a takes its slot
            long beforeGrant = redisMillis(j);
            serve(a, 1);
            assertThat(state(a), is("DRAINING"));
            Double expires = j.zscore(SLOTS, "kill-a");
            long afterGrant = redisMillis(j);
            assertThat("a holds a slot", expires, is(notNullValue()));
            assertThat("a's slot lasts the 3 s lease from its grant", expires - beforeGrant, greaterThanOrEqualTo(3000.0));
            assertThat(expires - afterGrant, lessThanOrEqualTo(3000.0));
            a.sigkill();
            serve(b, 5);
            String early = state(b);
            if (redisMillis(j) < expires) {
                // checked only while a's lease still runs by Redis's clock: a slow machine may reach here later
                assertThat("the dead holder's slot is still leased", early, is("SERVING"));
            }
            Await.equal("b draining once the lease expired", WAIT, () -> state(b), "DRAINING");
            assertThat("b took the slot only once a's had expired", redisMillis(j), greaterThanOrEqualTo(expires.longValue()));
            assertThat("a's expired slot is gone", j.zscore(SLOTS, "kill-a"), is(nullValue()));
        }
    }

    @Test
    void heapTriggerRotatesAReplicaUnderTheDemonstrationLeak() {
        Map<String, String> env = Map.of("ROTOR_MAX_REQUESTS", "0",
                                         "ROTOR_MIN_LIFETIME", "PT1H",
                                         "ROTOR_MAX_HEAP_AFTER_GC", "0.5",
                                         "ROTOR_HEAP_AFTER_GC_COLLECTIONS", "2",
                                         "ROTOR_DEMO_LEAK_BYTES_PER_REQUEST", "262144",
                                         "ROTOR_LEAK_REPORT", "false");
        try (JarProcess p = JarProcess.start(env, List.of("-Xmx64m", "-XX:+UseSerialGC")).awaitReady()) {
            int sent = 0;
            while (sent < 400 && Http.status(p.port(), "/observe/health/ready") == 200) {
                assertThat(Http.status(p.port(), "/"), is(200));
                sent++;
            }
            assertThat("rotated before the 64 MiB heap filled (" + sent + " x 256 KiB sent)", sent < 400, is(true));
            String status = Http.get(p.port(), "/observe/replica").body();
            assertThat(status, containsString("\"cause\":\"heap\""));
            assertThat(p.output(), containsString("old generation stayed at"));
            assertThat(p.output(), containsString("emergency: no minimum lifetime"));
        }
    }

    private static final String SLOTS = "rotor:lease-it:rotation-slots";

    /** @return Redis's clock in milliseconds, as the lease script reads it */
    private static long redisMillis(Jedis j) {
        List<String> time = j.time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    private static String stateOrGone(JarProcess p) {
        try {
            return state(p);
        } catch (RuntimeException e) {
            return "GONE";
        }
    }
}
