package dev.rotor.logging;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.TestReplica;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.spi.ServerFeature;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ROTOR_ACCESS_LOG}: one line per public request, on a real replica and a real socket.
 */
class AccessLogTest {
    private static final String SESSION = "/api/sessions/0123456789abcdef0123456789abcdef";

    private static List<String> lines(RootCapture capture) {
        return capture.from(AccessLogFeature.LOGGER).stream().map(LogRecord::getMessage).toList();
    }

    private static void assertMatches(String line, String regex) {
        assertTrue(line.matches(regex), () -> line + " does not match " + regex);
    }

    private static long bytes(String line) {
        return Long.parseLong(line.replaceAll(".* bytes=(\\d+) .*", "$1"));
    }

    @Test
    void onePublicRequestIsOneLineWithoutQueryOrApiKey() {
        try (RootCapture capture = RootCapture.install();
             TestReplica r = TestReplica.start(Map.of("rotor.access-log", "true",
                                                      "rotor.admission.rate-limit", "2/PT1M",
                                                      "rotor.admission.expected-replicas", "1"))) {
            HttpResponse<String> banner = Http.get(r.port(), "/?token=query-secret");
            assertThat(banner.statusCode(), is(200));
            // an unknown session: the handler throws, the error handler answers after the filter returned
            assertThat(Http.send(HttpRequest.newBuilder(Http.uri(r.port(), SESSION)).header("X-Api-Key", "key-secret").GET())
                               .statusCode(), is(404));
            assertThat(Http.status(r.observePort(), "/observe/health/ready"), is(200));
            assertThat(Http.status(r.port(), "/"), is(200));
            // the third request of ip:127.0.0.1 in the window: admission answers 429 before any route
            assertThat(Http.status(r.port(), "/"), is(429));
            Await.until("four access lines", Duration.ofSeconds(10), () -> lines(capture).size() >= 4);

            List<String> lines = lines(capture);
            assertThat(lines.toString(), lines.size(), is(4));
            String id = banner.headers().firstValue("X-Request-ID").orElseThrow();
            assertMatches(lines.get(0), ("method=GET path=/ status=200 bytes=\\d+ duration_ms=\\d+\\.\\d{3} client=ip:127\\.0\\.0\\.1 "
                                         + "request_id=" + Pattern.quote(id)));
            assertMatches(lines.get(1), ("method=GET path=" + SESSION + " status=404 bytes=\\d+ "
                                                            + "duration_ms=\\d+\\.\\d{3} client=key:[0-9a-f]{32} request_id=[0-9a-f]{16}-[0-9a-f]+"));

            // the same records as the JSON formatter writes them: one object, the fields as members
            LogRecord first = capture.from(AccessLogFeature.LOGGER).getFirst();
            JsonObject json = Json.object(new JsonLogFormatter(null).format(first));
            assertThat(json.getString("logger"), is(AccessLogFeature.LOGGER));
            assertThat(json.getString("method"), is("GET"));
            assertThat(json.getString("path"), is("/"));
            assertThat(json.getInt("status"), is(200));
            assertThat(json.getJsonNumber("bytes").longValue(), is(bytes(lines.get(0))));
            assertThat(json.getString("client"), is("ip:127.0.0.1"));
            assertThat(json.getString("request_id"), is(id));
            assertThat(json.get("duration_ms").getValueType(), is(JsonValue.ValueType.NUMBER));
            assertThat(lines.get(3), containsString(" status=429 "));
            assertThat("bytes on the wire: the status line and headers too", bytes(lines.get(0)) > banner.body().length(), is(true));
            for (String line : lines) {
                assertThat(line, not(containsString("query-secret")));
                assertThat(line, not(containsString("key-secret")));
                assertThat(line, not(containsString("/observe")));
            }
        }
    }

    @Test
    void durationComesFromTheInjectedClock() {
        AtomicLong now = new AtomicLong(1_000_000);
        // each read moves the clock 1.5 ms on: start, then sent
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .addFeature(AccessLogFeature.create(true, 16, req -> "ip:test", () -> now.getAndAdd(1_500_000)))
                .routing(routing -> routing.get("/hello", (req, res) -> res.send("hello")))
                .build()
                .start();
        try (RootCapture capture = RootCapture.install()) {
            assertThat(Http.status(server.port(), "/hello"), is(200));
            Await.until("one access line", Duration.ofSeconds(10), () -> lines(capture).size() == 1);
            assertMatches(lines(capture).get(0), "method=GET path=/hello status=200 bytes=\\d+ duration_ms=1\\.500 client=ip:test");
        } finally {
            server.stop();
        }
    }

    @Test
    void offAddsNothingToTheServer() {
        ServerFeature.ServerFeatureContext untouchable = new ServerFeature.ServerFeatureContext() {
            @Override
            public WebServerConfig serverConfig() {
                throw new AssertionError("an access log that is off reads no server config");
            }

            @Override
            public Set<String> sockets() {
                throw new AssertionError("an access log that is off looks at no socket");
            }

            @Override
            public boolean socketExists(String socket) {
                throw new AssertionError("an access log that is off looks at no socket");
            }

            @Override
            public ServerFeature.SocketBuilders socket(String socket) {
                throw new AssertionError("an access log that is off registers nothing");
            }
        };
        AccessLogFeature.create(false, 16, req -> "ip:test").setup(untouchable);
    }

    @Test
    void asJsonAnAccessLineHasItsFieldsAsMembersAndCraftedValuesStayInThem() {
        AccessRecord record = new AccessRecord("POST", "/a\"b\n", 201, 312, 1_520_000, "ip:203.0.113.7", "rid-1");
        record.setLoggerName(AccessLogFeature.LOGGER);
        String line = new JsonLogFormatter(null).format(record);
        assertThat("one line", line.indexOf('\n'), is(line.length() - 1));
        JsonObject json = Json.object(line);
        assertThat(json.getString("level"), is("INFO"));
        assertThat(json.getString("message"), is("POST /a\"b\n 201"));
        assertThat(json.getString("path"), is("/a\"b\n"));
        assertThat(json.getInt("status"), is(201));
        assertThat(json.getJsonNumber("bytes").longValue(), is(312L));
        assertThat(json.getJsonNumber("duration_ms").doubleValue(), is(1.52));
        assertThat(json.getString("request_id"), is("rid-1"));
        assertThat("the writer's thread says nothing about the request", json.containsKey("thread"), is(false));

        AccessRecord anonymous = new AccessRecord("GET", "/", 200, 7, 1_000, "ip:::1", null);
        assertThat(Json.object(new JsonLogFormatter(null).format(anonymous)).containsKey("request_id"), is(false));
        assertThat("as text: the logfmt line", anonymous.getMessage(),
                   is("method=GET path=/ status=200 bytes=7 duration_ms=0.001 client=ip:::1"));
    }

    @Test
    void craftedValuesAreQuotedAndCannotBreakTheLine() {
        assertThat(AccessLine.of("GET", "/a b\"c=d\n", 400, 0, 2_000, "ip:::1", null),
                   is("method=GET path=\"/a b\\\"c=d\\x0a\" status=400 bytes=0 duration_ms=0.002 client=ip:::1"));
        assertThat(AccessLine.of("GET", "/", 200, 7, 12_345_678_999L, "ip:10.0.0.1", "a=b"),
                   is("method=GET path=/ status=200 bytes=7 duration_ms=12345.678 client=ip:10.0.0.1 request_id=\"a=b\""));
    }
}
