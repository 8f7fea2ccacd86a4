package dev.rotor.support;

import java.net.http.HttpResponse;

import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Session calls that tests repeat: create one, say something.
 */
public final class Sessions {
    private Sessions() {
    }

    /**
     * @param port replica port
     * @param body creation body
     * @return the new session's id (asserting 201 and Location)
     */
    public static String create(int port, String body) {
        HttpResponse<String> r = Http.post(port, "/api/sessions", "application/json", body);
        assertThat(r.body(), r.statusCode(), is(201));
        String id = Json.object(r.body()).getString("id");
        assertThat(r.headers().firstValue("Location").orElseThrow(), is("/api/sessions/" + id));
        return id;
    }

    /**
     * @param port    replica port
     * @param id      session id
     * @param content message (plain text, no JSON escaping needed)
     * @return the reply body (asserting 200)
     */
    public static JsonObject say(int port, String id, String content) {
        HttpResponse<String> r = Http.post(port, "/api/sessions/" + id + "/messages", "application/json",
                                           "{\"content\":\"" + content + "\"}");
        assertThat(r.body(), r.statusCode(), is(200));
        return Json.object(r.body());
    }
}
