package dev.rotor;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * Fleet rotation lease and the heap trigger, with the built jar as real processes and a real
 * redis-server.
 */
class RotationCoordinationIT {
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
        try (RedisTestServer redis = RedisTestServer.startNew();
             JarProcess a = JarProcess.start(fleetEnv(redis, "lease-a", "exit", "PT2S", "PT60S"));
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
            Await.until("b draining once a has left and released its slot", Duration.ofSeconds(20), () -> {
                String sa = a.alive() ? stateOrGone(a) : "GONE";
                String sb = stateOrGone(b);
                assertThat("never both draining (a=" + sa + ", b=" + sb + ")",
                           sa.equals("DRAINING") && sb.equals("DRAINING"), is(false));
                return sb.equals("DRAINING") || sb.equals("GONE");
            });
            assertThat(a.awaitExit(Duration.ofSeconds(10)), is(0));
            assertThat(a.output(), containsString("took a rotation slot of lease-it"));
            assertThat(b.awaitExit(Duration.ofSeconds(20)), is(0));
        }
    }

    @Test
    void aSlotHolderKilledWithSigkillFreesTheSlotAfterItsLeaseExpires() {
        try (RedisTestServer redis = RedisTestServer.startNew();
             JarProcess a = JarProcess.start(fleetEnv(redis, "kill-a", "liveness", "PT60S", "PT3S"));
             JarProcess b = JarProcess.start(fleetEnv(redis, "kill-b", "liveness", "PT60S", "PT3S"))) {
            a.awaitReady();
            b.awaitReady();
            serve(a, 5);
            long taken = System.nanoTime();
            assertThat(state(a), is("DRAINING"));
            a.sigkill();
            serve(b, 5);
            assertThat("the dead holder's slot is still leased", state(b), is("SERVING"));
            Await.equal("b draining once the lease expired", Duration.ofSeconds(10), () -> state(b), "DRAINING");
            long waited = System.nanoTime() - taken;
            assertThat("not before the 3 s lease expired", waited, greaterThanOrEqualTo(Duration.ofMillis(2900).toNanos()));
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

    private static String stateOrGone(JarProcess p) {
        try {
            return state(p);
        } catch (RuntimeException e) {
            return "GONE";
        }
    }
}
