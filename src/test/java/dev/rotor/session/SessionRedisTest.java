package dev.rotor.session;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.rotor.support.Sessions.create;
import static dev.rotor.support.Sessions.say;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Sessions shared through a real redis-server that the test kills and restarts, between
 * in-process replicas that each have their own memory tier.
 */
class SessionRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer redis;

    @BeforeEach
    void startRedis() {
        redis = real.server();
    }

    private TestReplica replica() {
        return TestReplica.start(Map.of("rotor.redis.url", redis.url(),
                                        "rotor.redis.circuit.open-for", "PT0.2S",
                                        "rotor.lifecycle.max-requests", "0"));
    }

    private static JsonObject read(int port, String id) {
        HttpResponse<String> r = Http.get(port, "/api/sessions/" + id);
        assertThat(r.body(), r.statusCode(), is(200));
        return Json.object(r.body());
    }

    @Test
    void aSessionMadeOnOneReplicaIsReadAndContinuedOnAnother() {
        try (TestReplica a = replica(); TestReplica b = replica()) {
            String id = create(a.port(), "{\"system\":\"shared\"}");
            say(a.port(), id, "from-a");
            JsonObject onB = read(b.port(), id);
            assertThat(onB.getString("system"), is("shared"));
            assertThat(onB.getJsonArray("messages").size(), is(2));
            assertThat(b.replica().sessions().loadedFromRedis(), is(1L));

            say(b.port(), id, "from-b");
            // a's memory copy is older; Redis's invalidation reaches a within the cache lag
            // (SessionCacheTest holds reads to that bound)
            Await.until("a reads b's message", WAIT, () -> read(a.port(), id).getJsonArray("messages").size() == 4);

            assertThat(Http.send(java.net.http.HttpRequest.newBuilder(Http.uri(b.port(), "/api/sessions/" + id))
                                         .DELETE()).statusCode(), is(204));
            Await.until("a finds the session gone", WAIT,
                        () -> Http.get(a.port(), "/api/sessions/" + id).statusCode() == 404);
        }
    }

    @Test
    void sessionKeysLiveUnderTheServiceNamespaceAndOldKeysAreNotRead() {
        try (TestReplica a = replica()) {
            String id = create(a.port(), "{}");
            say(a.port(), id, "hi");
            assertThat(redis.command("EXISTS", "rotor:rotor:session:{" + id + "}"), is(":1"));
            assertThat(redis.command("EXISTS", "rotor:rotor:session:{" + id + "}:messages"), is(":1"));
            assertThat(redis.command("EXISTS", "rotor:session:{" + id + "}"), is(":0"));

            String old = "0123456789abcdef0123456789abcdef";
            assertThat(redis.command("HSET", "rotor:session:{" + old + "}", "created", "1", "lastUsed", "1"), is(":2"));
            assertThat("a session written under the pre-namespace key is not found",
                       Http.get(a.port(), "/api/sessions/" + old).statusCode(), is(404));
        }
    }

    @Test
    void killingRedisLeavesSessionsWorkingInMemory() {
        try (TestReplica a = replica()) {
            String id = create(a.port(), "{}");
            redis.stop();
            assertThat(read(a.port(), id).getString("id"), is(id));
            assertThat(say(a.port(), id, "still here").getInt("messages"), is(2));
            String made = create(a.port(), "{}");
            assertThat(read(a.port(), made).getString("id"), is(made));
        }
    }

    @Test
    void aSessionMadeWhileRedisWasDownSurvivesItsReplicasExit() {
        String id;
        TestReplica a = replica();
        try {
            redis.stop();
            id = create(a.port(), "{\"system\":\"written at exit\"}");
            say(a.port(), id, "kept");
            redis.start(); // empty: nothing of the session is there yet
            assertThat(redis.command("EXISTS", "rotor:rotor:session:{" + id + "}"), is(":0"));
        } finally {
            a.close(); // closing flushes what Redis lacks, before Redis' client closes
        }
        try (TestReplica b = replica()) {
            JsonObject s = read(b.port(), id);
            assertThat(s.getString("system"), is("written at exit"));
            assertThat(s.getJsonArray("messages").getJsonObject(0).getString("content"), is("kept"));
        }
    }

    @Test
    void concurrentMessagesOnTwoReplicasAreNeverLostAndStayPaired() throws Exception {
        int perReplica = 10;
        try (TestReplica a = replica(); TestReplica b = replica();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            String id = create(a.port(), "{}");
            List<Callable<JsonObject>> posts = new ArrayList<>();
            for (int i = 0; i < perReplica; i++) {
                int n = i;
                posts.add(() -> say(a.port(), id, "a" + n));
                posts.add(() -> say(b.port(), id, "b" + n));
            }
            for (Future<JsonObject> f : pool.invokeAll(posts)) {
                f.get();
            }
            Await.until("every message read on a", WAIT,
                        () -> read(a.port(), id).getJsonArray("messages").size() == 4 * perReplica);
            JsonArray messages = read(a.port(), id).getJsonArray("messages");
            assertThat(messages.size(), is(4 * perReplica));
            for (int i = 0; i < messages.size(); i += 2) {
                String question = messages.getJsonObject(i).getString("content");
                assertThat(messages.getJsonObject(i).getString("role"), is("user"));
                assertThat(messages.getJsonObject(i + 1).getString("content"), startsWith("echo: " + question + " "));
            }
        }
    }
}
