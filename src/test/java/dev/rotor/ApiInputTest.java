package dev.rotor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.rotor.config.ConfigLoader;
import dev.rotor.feature.RotorFeature;
import dev.rotor.support.Json;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Bad input, row by row: every answer is the expected 4xx in the JSON error shape, never a 5xx.
 * The production routes through Helidon's {@link DirectClient}: no socket, no server.
 */
@RoutingTest
class ApiInputTest {
    private static RotorFeature rotor;
    private final DirectClient client;

    private record Row(String name, String method, String path, String contentType, byte[] body, int status, String code) {
    }

    ApiInputTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        // the production graph, from the real configuration files with this test's overrides: no
        // Redis (every part runs its local mode), the echo chat model, no server (so no start)
        Config config = ConfigLoader.load(Map.of(), Map.of("rotor.lifecycle.max-requests", "0",
                                                           "rotor.session.max-message-chars", "100"));
        rotor = RotorFeature.builder(config).handleSignals(false).build().open();
        rotor.lifecycle().serving();
        Replica.routing(routing, Replica.parts(config, rotor));
    }

    @AfterAll
    static void close() {
        rotor.close();
    }

    private static Row row(String name, String method, String path, String type, String body, int status, String code) {
        return new Row(name, method, path, type, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                       status, code);
    }

    private static List<Row> table(String id) {
        String msgs = "/api/sessions/" + id + "/messages";
        String json = "application/json";
        List<Row> rows = new ArrayList<>(List.of(
                row("text body", "POST", "/api/sessions", "text/plain", "{}", 415, "unsupported_media_type"),
                row("no content type", "POST", msgs, null, "{\"content\":\"hi\"}", 415, "unsupported_media_type"),
                row("form body", "POST", msgs, "application/x-www-form-urlencoded", "content=hi", 415, "unsupported_media_type"),
                row("not json", "POST", "/api/sessions", json, "system: hi", 400, "invalid_json"),
                row("truncated json", "POST", msgs, json, "{\"content\":\"hi", 400, "invalid_json"),
                row("array", "POST", msgs, json, "[\"hi\"]", 400, "invalid_json"),
                row("bare string", "POST", msgs, json, "\"hi\"", 400, "invalid_json"),
                row("system is a number", "POST", "/api/sessions", json, "{\"system\":5}", 400, "invalid_field"),
                row("system is an object", "POST", "/api/sessions", json, "{\"system\":{}}", 400, "invalid_field"),
                row("system too long", "POST", "/api/sessions", json, "{\"system\":\"" + "s".repeat(101) + "\"}", 400,
                    "field_too_long"),
                row("unknown field", "POST", "/api/sessions", json, "{\"sytem\":\"x\"}", 400, "unknown_field"),
                row("missing content", "POST", msgs, json, "{}", 400, "missing_field"),
                row("empty body", "POST", msgs, json, "", 400, "invalid_json"),
                row("null content", "POST", msgs, json, "{\"content\":null}", 400, "missing_field"),
                row("blank content", "POST", msgs, json, "{\"content\":\"  \"}", 400, "invalid_field"),
                row("numeric content", "POST", msgs, json, "{\"content\":42}", 400, "invalid_field"),
                row("array content", "POST", msgs, json, "{\"content\":[\"a\"]}", 400, "invalid_field"),
                row("content too long", "POST", msgs, json, "{\"content\":\"" + "x".repeat(101) + "\"}", 400,
                    "field_too_long"),
                row("huge body", "POST", msgs, json, "{\"content\":\"" + "x".repeat(1_000_000) + "\"}", 413,
                    "payload_too_large"),
                row("invalid id", "GET", "/api/sessions/not-an-id", null, null, 400, "invalid_session_id"),
                row("upper-case id", "GET", "/api/sessions/" + id.toUpperCase(), null, null, 400, "invalid_session_id"),
                row("invalid id on post", "POST", "/api/sessions/xyz/messages", json, "{\"content\":\"hi\"}", 400,
                    "invalid_session_id"),
                row("unknown id", "GET", "/api/sessions/" + "0".repeat(32), null, null, 404, "session_not_found"),
                row("unknown id delete", "DELETE", "/api/sessions/" + "0".repeat(32), null, null, 404, "session_not_found"),
                row("unknown id post", "POST", "/api/sessions/" + "0".repeat(32) + "/messages", json,
                    "{\"content\":\"hi\"}", 404, "session_not_found"),
                row("ip out of range", "GET", "/api/geo/999.1.1.1", null, null, 400, "invalid_ip"),
                row("ip too short", "GET", "/api/geo/1.2.3", null, null, 400, "invalid_ip"),
                row("host name", "GET", "/api/geo/example.com", null, null, 400, "invalid_ip"),
                row("bad ipv6", "GET", "/api/geo/12345::g", null, null, 400, "invalid_ip"),
                row("leading zeros", "GET", "/api/geo/01.2.3.4", null, null, 400, "invalid_ip"),
                row("encoded junk", "GET", "/api/geo/%00%ff", null, null, 400, "invalid_ip"),
                row("list sessions", "GET", "/api/sessions", null, null, 405, "method_not_allowed"),
                row("put session", "PUT", "/api/sessions/" + id, json, "{}", 405, "method_not_allowed"),
                row("patch session", "PATCH", "/api/sessions/" + id, json, "{}", 405, "method_not_allowed"),
                row("get messages", "GET", msgs, null, null, 405, "method_not_allowed"),
                row("post geo", "POST", "/api/geo/8.8.8.8", json, "{}", 405, "method_not_allowed"),
                row("delete geo", "DELETE", "/api/geo", null, null, 405, "method_not_allowed"),
                row("post banner", "POST", "/", json, "{}", 405, "method_not_allowed"),
                row("unknown route", "GET", "/api/nothing", null, null, 404, "not_found")));
        rows.add(new Row("invalid utf-8", "POST", msgs, json,
                         new byte[] {'{', '"', 'c', 'o', 'n', 't', 'e', 'n', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
                         400, "invalid_json"));
        return rows;
    }

    @Test
    void everyBadInputIsA4xxInTheErrorShape() {
        String id;
        try (Http1ClientResponse created = client.post("/api/sessions")
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .submit("{}")) {
            assertThat(created.status().code(), is(201));
            id = Json.object(created.as(String.class)).getString("id");
        }
        List<String> wrong = new ArrayList<>();
        for (Row row : table(id)) {
            Http1ClientRequest request = client.method(Method.create(row.method())).path(row.path());
            if (row.contentType() != null) {
                request.header(HeaderNames.CONTENT_TYPE, row.contentType());
            }
            try (Http1ClientResponse r = row.body() == null ? request.request() : request.submit(row.body())) {
                String body = r.as(String.class);
                String code;
                try {
                    JsonObject json = Json.object(body);
                    code = json.getString("error") + (json.containsKey("message") ? "" : " (no message)");
                } catch (RuntimeException e) {
                    code = "not the JSON error shape: " + body;
                }
                if (r.status().code() != row.status() || !code.equals(row.code())) {
                    wrong.add(row.name() + ": expected " + row.status() + " " + row.code() + ", got " + r.status().code()
                                      + " " + code);
                }
                if (row.status() == 405) {
                    assertThat(row.name(), r.headers().contains(HeaderNames.ALLOW), is(true));
                }
            }
        }
        assertThat(String.join("\n", wrong), wrong.isEmpty(), is(true));
        // and the session those rows aimed at is untouched
        try (Http1ClientResponse s = client.get("/api/sessions/" + id).request()) {
            assertThat(s.status().code(), is(200));
            assertThat(Json.object(s.as(String.class)).getJsonArray("messages").size(), is(0));
        }
    }
}
