package dev.rotor.session;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.TestReplica;

import static dev.rotor.support.Sessions.create;
import static dev.rotor.support.Sessions.say;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The session routes on a real socket, memory only, with the echo model.
 */
class SessionApiTest {
    private static TestReplica replica;

    @BeforeAll
    static void start() {
        replica = TestReplica.start(Map.of("rotor.lifecycle.max-requests", "0",
                                           "rotor.session.history", "3"));
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    @Test
    void createReadPostAndDeleteASession() {
        int port = replica.port();
        String id = create(port, "{\"system\":\"be brief\"}");
        JsonObject s = Json.object(Http.get(port, "/api/sessions/" + id).body());
        assertThat(s.getString("system"), is("be brief"));
        assertThat(s.getJsonArray("messages").size(), is(0));

        JsonObject reply = say(port, id, "hello");
        assertThat(reply.getJsonObject("reply").getString("role"), is("assistant"));
        assertThat(reply.getJsonObject("reply").getString("content"), startsWith("echo: hello"));
        assertThat(reply.getString("model"), is("echo"));
        assertThat(reply.getInt("messages"), is(2));

        JsonObject after = Json.object(Http.get(port, "/api/sessions/" + id).body());
        assertThat(after.getJsonArray("messages").getJsonObject(0).getString("content"), is("hello"));
        assertThat(after.getJsonArray("messages").getJsonObject(1).getString("role"), is("assistant"));

        HttpResponse<String> deleted = Http.send(HttpRequest.newBuilder(Http.uri(port, "/api/sessions/" + id)).DELETE());
        assertThat(deleted.statusCode(), is(204));
        HttpResponse<String> gone = Http.get(port, "/api/sessions/" + id);
        assertThat(gone.statusCode(), is(404));
        assertThat(Json.object(gone.body()).getString("error"), is("session_not_found"));
    }

    @Test
    void anEmptyBodyCreatesASessionWithoutSystemPrompt() {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), "/api/sessions"))
                                                   .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode(), is(201));
        assertThat(Json.object(r.body()).isNull("system"), is(true));
    }

    @Test
    void theUpstreamSeesTheSystemPromptAndOnlyTheLastHistoryMessages() {
        int port = replica.port();
        String id = create(port, "{\"system\":\"sys\"}");
        say(port, id, "one");
        say(port, id, "two");
        // history 3: two stored messages plus the new one, and the system prompt on top
        assertThat(say(port, id, "three").getJsonObject("reply").getString("content"),
                   containsString("(4 message(s) in context)"));
    }
}
