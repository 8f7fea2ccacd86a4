package dev.rotor.observe;

import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.TestReplica;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Who may read what under {@code /observe}, on a real replica in each of its three modes: no
 * admin port and no token (the local try), a token (Render: one port), an admin port
 * (compose, Kubernetes), with a token on top.
 */
class ObserveDoorTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    /** Operator paths, and spellings of them a router or a front door might read differently. */
    static final List<String> OPERATOR_PATHS = List.of("/observe/metrics", "/observe/replica", "/observe/replica/report",
                                                       "/observe/health", "/observe", "/observe/metrics?x=1",
                                                       "//observe/metrics", "/observe//metrics", "/./observe/metrics",
                                                       "/x/../observe/metrics", "/%6Fbserve/metrics", "/observe/%6Detrics",
                                                       "/observe/metrics/", "/observe/metrics;x=1", "/observe/health/../metrics");
    static final List<String> PROBES = List.of("/observe/health/started", "/observe/health/ready", "/observe/health/live");

    @Test
    void withNeitherAdminPortNorTokenOperatorPathsAnswerOnlyCallersOnThisMachine() {
        try (TestReplica r = TestReplica.start(Map.of())) {
            assertThat(Http.status(r.port(), "/observe/metrics"), is(200));
            assertThat(Http.status(r.port(), "/observe/replica"), is(200));
            for (String path : OPERATOR_PATHS) {
                for (String header : List.of("X-Forwarded-For", "Forwarded", "X-Real-IP", "CF-Connecting-IP")) {
                    HttpResponse<String> proxied = Http.send(HttpRequest.newBuilder(Http.uri(r.port(), path))
                                                                     .header(header, "for=203.0.113.7"));
                    assertRefused(path + " through a proxy (" + header + ")", proxied, 404);
                }
            }
            assertProbesAnswer(r.port(), "X-Forwarded-For");
        }
    }

    @Test
    void withATokenThePublicPortServesOperatorPathsToItsBearerOnly() {
        try (TestReplica r = TestReplica.start(Map.of("rotor.observe.token", TOKEN))) {
            for (String path : OPERATOR_PATHS) {
                assertRefused(path + " without the token, even from this machine", Http.get(r.port(), path), 404);
                assertRefused(path + " with another token", bearer(r.port(), path, TOKEN.replace('0', '1')), 404);
                assertRefused(path + " with a prefix of the token", bearer(r.port(), path, TOKEN.substring(0, 31)), 404);
            }
            HttpResponse<String> metrics = bearer(r.port(), "/observe/metrics", TOKEN);
            assertThat(metrics.statusCode(), is(200));
            assertThat(metrics.body(), containsString("rotor_probes_permits"));
            HttpResponse<String> status = Http.send(HttpRequest.newBuilder(Http.uri(r.port(), "/observe/replica"))
                                                            .header("Authorization", "bearer " + TOKEN)
                                                            .header("X-Forwarded-For", "203.0.113.7"));
            assertThat("the token opens it from anywhere, any case of the scheme", status.statusCode(), is(200));
            assertWarmedUpThroughTheDoor(Json.object(status.body()));
            assertProbesAnswer(r.port(), "CF-Connecting-IP");
        }
    }

    @Test
    void withAnAdminPortThePublicPortAnswersTheProbesAndNothingElseUnderObserve() throws Exception {
        int admin = freePort();
        try (TestReplica r = TestReplica.start(Map.of("rotor.admin-port", String.valueOf(admin),
                                                      "rotor.observe.token", ""))) {
            for (String path : OPERATOR_PATHS) {
                assertRefused(path + " on the public port", Http.get(r.port(), path), 404);
            }
            assertProbesAnswer(r.port(), "X-Forwarded-For");
            for (String path : List.of("/observe/metrics", "/observe/replica", "/observe/health", "/observe/health/ready")) {
                assertThat(path + " on the admin port", Http.status(admin, path), is(200));
            }
            assertThat("the public routes are untouched", Http.status(r.port(), "/"), is(200));
            assertThat("no probe counted", r.replica().lifecycle().served(), is(1L));
        }
    }

    @Test
    void withAnAdminPortAndATokenTheAdminPortAsksForItButForHealth() throws Exception {
        int admin = freePort();
        try (TestReplica r = TestReplica.start(Map.of("rotor.admin-port", String.valueOf(admin),
                                                      "rotor.observe.token", TOKEN))) {
            for (String path : List.of("/observe/metrics", "/observe/replica", "/observe/replica/report")) {
                HttpResponse<String> refused = Http.get(admin, path);
                assertRefused(path + " on the admin port without the token", refused, 401);
                assertThat(refused.headers().firstValue("WWW-Authenticate").orElse(""), is("Bearer"));
                // the report is 404 until a drain has written one: the door let it through all the same
                assertThat(path + " with it", bearer(admin, path, TOKEN).statusCode(),
                           is(path.endsWith("/report") ? 404 : 200));
                assertThat(path + " with it", bearer(admin, path, TOKEN).body(), not(containsString("operator token")));
                assertRefused(path + " on the public port even with it", bearer(r.port(), path, TOKEN), 404);
            }
            assertThat("a probe pointed at the admin port needs no token", Http.status(admin, "/observe/health/ready"),
                       is(200));
            assertWarmedUpThroughTheDoor(Json.object(bearer(admin, "/observe/replica", TOKEN).body()));
        }
    }

    /** The warm-up sent the token: its first answer was a 200 (a busy machine may end it early on its timeout). */
    private static void assertWarmedUpThroughTheDoor(jakarta.json.JsonObject status) {
        jakarta.json.JsonObject warmUp = status.getJsonObject("warmUp");
        assertThat(warmUp.toString(), warmUp.getInt("answered") > 0, is(true));
        assertThat(warmUp.toString(), warmUp.getString("stopped", "").startsWith("status"), is(false));
    }

    static void assertRefused(String what, HttpResponse<String> response, int status) {
        assertThat(what + ": status", response.statusCode(), is(status));
        assertThat(what + ": no metrics in the body", response.body(), not(containsString("rotor_")));
        assertThat(what + ": JSON error shape", Json.object(response.body()).containsKey("error"), is(true));
    }

    static void assertProbesAnswer(int port, String forwardingHeader) {
        for (String probe : PROBES) {
            HttpResponse<String> direct = Http.get(port, probe);
            assertThat(probe, direct.statusCode(), is(200));
            assertThat(probe, direct.body(), is("{\"status\":\"UP\"}"));
            HttpResponse<String> proxied = Http.send(HttpRequest.newBuilder(Http.uri(port, probe))
                                                             .header(forwardingHeader, "203.0.113.7"));
            assertThat(probe + " through a proxy", proxied.statusCode(), is(200));
        }
    }

    static HttpResponse<String> bearer(int port, String path, String token) {
        return Http.send(HttpRequest.newBuilder(Http.uri(port, path)).header("Authorization", "Bearer " + token));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
