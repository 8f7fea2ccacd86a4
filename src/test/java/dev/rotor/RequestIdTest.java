package dev.rotor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.Sessions;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request ids end to end, on a real replica and a real local server standing in for the chat
 * and geo-IP providers: the client's {@code X-Request-ID} when usable, else a new one, on every
 * response and every JSON error (those written before any route runs included), and on each
 * upstream call with the client's W3C trace context.
 */
class RequestIdTest {
    /** What the replica makes: its 16-hex-digit prefix, a dash, a hex counter. */
    private static final Pattern MADE = Pattern.compile("[0-9a-f]{16}-[0-9a-f]+");
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    private static StandInServer upstream;
    private static TestReplica replica;

    @BeforeAll
    static void start() {
        upstream = StandInServer.start(req -> req.path().startsWith("/json/")
                ? Reply.json(200, "{\"status\":\"success\",\"country\":\"X\"}")
                : Reply.json(200, "{\"model\":\"m\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}"));
        replica = TestReplica.start(Map.of("rotor.chat.base-url", upstream.url() + "/v1",
                                           "rotor.geoip.url", upstream.url() + "/json/{ip}",
                                           "rotor.lifecycle.max-requests", "0",
                                           "rotor.admission.max-payload-size", "4096",
                                           "rotor.admission.max-header-size", "2048"));
    }

    @AfterAll
    static void stop() {
        replica.close();
        upstream.close();
    }

    private static StandInServer.Request lastUpstreamCall() {
        return upstream.requests().getLast();
    }

    private static String header(HttpResponse<?> r) {
        return r.headers().firstValue("X-Request-ID").orElseThrow(() -> new AssertionError("no X-Request-ID on " + r));
    }

    private static void assertMade(String id) {
        assertTrue(MADE.matcher(id).matches(), () -> id + " is not an id the replica makes");
    }

    /**
     * @param head the request line and header lines, each ending in CRLF, without the blank line
     * @return the status line, header lines (lower case), body
     */
    private static List<String> raw(String head) throws IOException {
        return raw(replica.port(), head);
    }

    private static List<String> raw(int port, String head) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return Http.readResponse(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)));
        }
    }

    private static String rawHeader(List<String> response) {
        return response.stream().filter(l -> l.startsWith("x-request-id:")).map(l -> l.substring("x-request-id:".length()).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no X-Request-ID in " + response));
    }

    /**
     * @param response a raw response
     * @param status   its expected status
     * @return the id it carries, after checking that its JSON error names the same one
     */
    private static String rawError(List<String> response, int status) {
        assertThat(response.getFirst(), startsWith("HTTP/1.1 " + status + " "));
        String id = rawHeader(response);
        assertThat("the body names the header's id", Json.object(response.getLast()).getString("request_id"), is(id));
        return id;
    }

    @Test
    void aClientsIdAndTraceContextReachTheChatUpstreamUnchanged() {
        String session = Sessions.create(replica.port(), "{}");
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), "/api/sessions/" + session + "/messages"))
                                                   .header("Content-Type", "application/json")
                                                   .header("X-Request-ID", "Client-7f3a:2c/9+x=@_.")
                                                   .header("traceparent", TRACEPARENT)
                                                   .header("tracestate", TRACESTATE)
                                                   .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"hello\"}")));
        assertThat(r.statusCode(), is(200));
        assertThat(header(r), is("Client-7f3a:2c/9+x=@_."));
        StandInServer.Request call = lastUpstreamCall();
        assertThat(call.path(), is("/v1/chat/completions"));
        assertThat(call.headers().get("x-request-id"), is("Client-7f3a:2c/9+x=@_."));
        assertThat(call.headers().get("traceparent"), is(TRACEPARENT));
        assertThat(call.headers().get("tracestate"), is(TRACESTATE));
    }

    @Test
    void aRequestWithoutAnIdGetsANewOneThatTheGeoProviderReceives() {
        HttpResponse<String> r = Http.get(replica.port(), "/api/geo/8.8.4.4");
        assertThat(r.statusCode(), is(200));
        String id = header(r);
        assertMade(id);
        StandInServer.Request call = lastUpstreamCall();
        assertThat(call.path(), is("/json/8.8.4.4"));
        assertThat(call.headers().get("x-request-id"), is(id));
        assertThat("no trace context was sent, none is made up", call.headers(), not(hasKey("traceparent")));
        assertThat("every request its own id", header(Http.get(replica.port(), "/")), not(is(id)));
    }

    @Test
    void anIdThatIsMalformedOversizedOrSentTwiceIsReplacedNotEchoed() throws IOException {
        String longest = "a".repeat(128);
        assertThat("at the bound: kept", rawHeader(raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + longest + "\r\n")), is(longest));
        for (String sent : List.of("a".repeat(129), "two words", "quote\"d", "semi;colon", "tab\there", "<script>")) {
            List<String> response = raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + sent + "\r\n");
            assertThat(sent, response.getFirst(), is("HTTP/1.1 200 OK"));
            String id = rawHeader(response);
            assertMade(id);
            assertThat(id, not(is(sent.toLowerCase())));
        }
        assertMade(rawHeader(raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: one\r\nX-Request-ID: two\r\n")));
    }

    @Test
    void anInvalidTraceparentIsNotPassedOnAndTakesItsTracestateWithIt() {
        List<String> invalid = List.of(TRACEPARENT.toUpperCase(), "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                                       "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", TRACEPARENT + "-extra",
                                       "ff" + TRACEPARENT.substring(2), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                                       "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        for (int i = 0; i < invalid.size(); i++) {
            String parent = invalid.get(i);
            // a new address each time: a cached lookup calls nobody
            HttpResponse<String> r = Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), "/api/geo/9.9.8." + (i + 1)))
                                                       .header("traceparent", parent)
                                                       .header("tracestate", TRACESTATE).GET());
            assertThat(r.statusCode(), is(200));
            StandInServer.Request call = lastUpstreamCall();
            assertThat(call.path(), is("/json/9.9.8." + (i + 1)));
            assertThat(parent, call.headers(), not(hasKey("traceparent")));
            assertThat(parent, call.headers(), not(hasKey("tracestate")));
            assertThat(call.headers().get("x-request-id"), is(header(r)));
        }
    }

    @Test
    void aTracestateThatCannotBePassedOnIsLeftOutAndItsParentStillGoes() {
        HttpResponse<String> r = Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), "/api/geo/9.9.7.1"))
                                                   .header("traceparent", TRACEPARENT)
                                                   .header("tracestate", "a=" + "b".repeat(600)).GET());
        assertThat(r.statusCode(), is(200));
        assertThat(lastUpstreamCall().headers().get("traceparent"), is(TRACEPARENT));
        assertThat(lastUpstreamCall().headers(), not(hasKey("tracestate")));
    }

    @Test
    void aLaterTraceparentVersionIsPassedOnAsItCame() {
        String later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next";
        Http.send(HttpRequest.newBuilder(Http.uri(replica.port(), "/api/geo/8.8.8.9")).header("traceparent", later).GET());
        assertThat(lastUpstreamCall().headers().get("traceparent"), is(later));
    }

    @Test
    void errorsFromTheRoutesCarryTheIdInTheirBody() {
        HttpResponse<String> missing = Http.send(HttpRequest.newBuilder(
                Http.uri(replica.port(), "/api/sessions/0123456789abcdef0123456789abcdef")).header("X-Request-ID", "err-404").GET());
        assertThat(missing.statusCode(), is(404));
        assertThat(Json.object(missing.body()).getString("request_id"), is("err-404"));
        assertThat(header(missing), is("err-404"));

        HttpResponse<String> bad = Http.post(replica.port(), "/api/sessions", "application/json", "{not json");
        assertThat(bad.statusCode(), is(400));
        JsonObject body = Json.object(bad.body());
        assertThat(body.getString("error"), is("invalid_json"));
        assertThat(body.getString("request_id"), is(header(bad)));
        assertMade(header(bad));
    }

    @Test
    void refusalsBeforeAnyRouteCarryTheIdToo() throws IOException {
        // a body over the limit: the server refuses it once the headers are read
        assertThat(rawError(raw("POST /api/sessions HTTP/1.1\r\nHost: x\r\nX-Request-ID: big-1\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: 100000\r\n"), 413), is("big-1"));
        // a header section the wire refuses (an empty field name), with the client's id
        assertThat(rawError(raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: frame-1\r\n: no name\r\n"), 400), is("frame-1"));
        // headers too large to read: no id can be read, a new one is made
        List<String> huge = raw("GET / HTTP/1.1\r\nHost: x\r\nX-Request-ID: lost-1\r\nX-Filler: " + "f".repeat(4096) + "\r\n");
        assertMade(rawError(huge, 431));
        assertThat(Json.object(huge.getLast()).getString("error"), is("headers_too_large"));
    }

    @Test
    void theWiresOwnTimeoutAnswersCarryTheIdOfTheirRequest() throws IOException {
        try (TestReplica slow = TestReplica.start(Map.of("rotor.wire.body-timeout", "PT1S",
                                                         "rotor.wire.request-timeout", "PT1S",
                                                         "rotor.demo.endpoints", "true",
                                                         "rotor.lifecycle.max-requests", "0"))) {
            // a body announced and never sent: the watchdog answers 408 on its own
            assertThat(rawError(raw(slow.port(), "POST /api/sessions HTTP/1.1\r\nHost: x\r\nX-Request-ID: slow-body\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 10\r\n"), 408), is("slow-body"));
            // a handler past the request timeout: the watchdog answers 504 while it still runs
            List<String> late = raw(slow.port(), "GET /demo/work?ms=3000 HTTP/1.1\r\nHost: x\r\n");
            assertMade(rawError(late, 504));
            assertThat(Json.object(late.getLast()).getString("error"), is("request_timeout"));
        }
    }
}
