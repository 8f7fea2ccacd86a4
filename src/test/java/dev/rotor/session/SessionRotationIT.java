package dev.rotor.session;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;
import dev.rotor.support.RedisTestServer;
import dev.rotor.support.Sessions;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The built jar, rotating for real: a session outlives the process that made it when Redis is
 * there, and the startup log says what happens when it is not.
 */
class SessionRotationIT {
    @Test
    void aSessionOutlivesItsReplicasRotation() {
        try (RedisTestServer redis = RedisTestServer.startNew()) {
            Map<String, String> env = Map.of("REDIS_URL", redis.url(),
                                             "ROTOR_MAX_REQUESTS", "3",
                                             "ROTOR_MAX_REQUESTS_JITTER", "0",
                                             "ROTOR_DRAIN_PERIOD", "PT0.2S",
                                             "ROTOR_EXIT_MODE", "exit");
            String id;
            try (JarProcess first = JarProcess.start(env).awaitReady()) {
                id = Sessions.create(first.port(), "{\"system\":\"remember me\"}");
                Sessions.say(first.port(), id, "before rotation");
                assertThat(Http.status(first.port(), "/"), is(200)); // the third request: quota reached
                assertThat("the replica rotates by exiting", first.awaitExit(Duration.ofSeconds(20)), is(0));
                assertThat(first.output(), containsString("sessions flushed to Redis"));
            }
            try (JarProcess second = JarProcess.start(Map.of("REDIS_URL", redis.url())).awaitReady()) {
                HttpResponse<String> r = Http.get(second.port(), "/api/sessions/" + id);
                assertThat(r.body(), r.statusCode(), is(200));
                JsonObject s = Json.object(r.body());
                assertThat(s.getString("system"), is("remember me"));
                assertThat(s.getJsonArray("messages").getJsonObject(0).getString("content"), is("before rotation"));
            }
        }
    }

    @Test
    void withoutRedisAndAKeyTheStartupLogSaysSoAndTheApiWorks() {
        try (JarProcess p = JarProcess.start(Map.of()).awaitReady()) {
            String id = Sessions.create(p.port(), "{}");
            assertThat(Sessions.say(p.port(), id, "ping").getString("model"), is("echo"));
            String log = p.output();
            assertThat(log, containsString("built-in echo model"));
            assertThat(log, containsString("a rotation loses this replica's sessions"));
            assertThat(log, containsString("no ROTOR_GEOIP_URL"));
        }
    }
}
