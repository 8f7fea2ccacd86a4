package dev.rotor.upstream;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.Json;
import dev.rotor.support.MetricsText;
import dev.rotor.support.Sessions;
import dev.rotor.support.StandInServer;
import dev.rotor.support.StandInServer.Reply;
import dev.rotor.support.TestReplica;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The chat upstream through a real local server that behaves like an OpenAI-compatible API,
 * and fails in each of the ways a real one does.
 */
class ChatUpstreamTest {
    private static final String KEY = "sk-test-very-secret-key-123";
    private static final List<String> LOGGED = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOGGED.add(String.valueOf(r.getMessage()) + " " + (r.getThrown() == null ? "" : r.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static StandInServer upstream;
    private static TestReplica replica;

    /**
     * The chat timeout: long enough that a first call on a cold, busy 2-core machine fits in it
     * (0.5 s did not, once), short enough that the SLOW stand-in (three of it) is cut by it.
     */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @BeforeAll
    static void start() {
        Logger.getLogger("").addHandler(CAPTURE);
        upstream = StandInServer.start(req -> {
            String body = req.body();
            if (body.contains("SLOW")) {
                return Reply.json(200, "{}").after(TIMEOUT.multipliedBy(3));
            }
            if (body.contains("FAIL500")) {
                return Reply.json(500, "{\"error\":\"boom\"}");
            }
            if (body.contains("GARBAGE")) {
                return Reply.json(200, "{\"choices\": [ this is not json");
            }
            if (body.contains("NOCHOICES")) {
                return Reply.json(200, "{\"object\":\"chat.completion\"}");
            }
            if (body.contains("BUSY")) {
                return Reply.json(429, "{\"error\":\"slow down\"}").with("Retry-After", "7");
            }
            if (body.contains("RESET")) {
                return Reply.resetConnection();
            }
            return Reply.json(200, "{\"model\":\"stand-in-1\",\"choices\":[{\"index\":0,\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\"hello from upstream\"}}]}");
        });
        replica = TestReplica.start(Map.of("rotor.chat.base-url", upstream.url() + "/v1",
                                           "rotor.chat.api-key", KEY,
                                           "rotor.chat.model", "test-model",
                                           "rotor.chat.timeout", TIMEOUT.toString(),
                                           "rotor.lifecycle.max-requests", "0"));
    }

    @AfterAll
    static void stop() {
        replica.close();
        upstream.close();
        Logger.getLogger("").removeHandler(CAPTURE);
    }

    private static HttpResponse<String> post(String id, String content) {
        return Http.post(replica.port(), "/api/sessions/" + id + "/messages", "application/json",
                         "{\"content\":\"" + content + "\"}");
    }

    @Test
    void aMessageIsAnsweredByTheUpstreamWithTheHistoryAndTheKey() {
        String id = Sessions.create(replica.port(), "{\"system\":\"be kind\"}");
        JsonObject reply = Sessions.say(replica.port(), id, "first");
        assertThat(reply.getJsonObject("reply").getString("content"), is("hello from upstream"));
        assertThat(reply.getString("model"), is("stand-in-1"));
        Sessions.say(replica.port(), id, "second");

        StandInServer.Request last = upstream.requests().get(upstream.requests().size() - 1);
        assertThat(last.method(), is("POST"));
        assertThat(last.path(), is("/v1/chat/completions"));
        assertThat(last.headers().get("authorization"), is("Bearer " + KEY));
        JsonObject sent = Json.object(last.body());
        assertThat(sent.getString("model"), is("test-model"));
        assertThat(sent.getJsonArray("messages").size(), is(4)); // system, first, reply, second
        assertThat(sent.getJsonArray("messages").getJsonObject(0).getString("role"), is("system"));
        assertThat(sent.getJsonArray("messages").getJsonObject(3).getString("content"), is("second"));
    }

    @Test
    void aMessageQueuedBehindAHungOneGetsOnlyWhatIsLeftOfTheChatTimeout() throws Exception {
        String id = Sessions.create(replica.port(), "{}");
        int before = upstream.requests().size();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var first = pool.submit(() -> post(id, "SLOW"));
            Await.until("the first message at the upstream", Duration.ofSeconds(10),
                        () -> upstream.requests().size() > before);
            // sent while the first holds the session: it queues behind it
            var queued = pool.submit(() -> post(id, "SLOW"));
            assertThat(timeout(first.get()), is(true));
            HttpResponse<String> r = queued.get();
            JsonObject error = Json.object(r.body());
            if (r.statusCode() == 503) {
                // the wait used up the whole budget: no upstream call at all
                assertThat(error.getString("error"), is("session_busy"));
            } else {
                // one budget (TIMEOUT) per message, the wait behind the session's earlier message
                // included: the upstream call gets what is left, never a fresh full timeout
                assertThat(r.body(), timeout(r), is(true));
                Duration budget = budget(error.getString("message"));
                assertThat("budget " + budget, budget.compareTo(TIMEOUT) < 0, is(true));
            }
        }
    }

    private static boolean timeout(HttpResponse<String> r) {
        return r.statusCode() == 504 && Json.object(r.body()).getString("error").equals("upstream_timeout");
    }

    /** @return the budget that "chat upstream did not answer within PT0.42S" names */
    private static Duration budget(String message) {
        return Duration.parse(message.substring(message.lastIndexOf(' ') + 1));
    }

    @Test
    void eachUpstreamFailureHasItsStatusAndLeavesTheSessionAsItWas() {
        String id = Sessions.create(replica.port(), "{}");
        Map<String, Integer> expected = Map.of("FAIL500", 502, "GARBAGE", 502, "NOCHOICES", 502, "RESET", 502,
                                               "BUSY", 503, "SLOW", 504);
        Map<String, String> codes = Map.of("FAIL500", "upstream_error", "GARBAGE", "upstream_bad_response",
                                           "NOCHOICES", "upstream_bad_response", "RESET", "upstream_unavailable",
                                           "BUSY", "upstream_rate_limited", "SLOW", "upstream_timeout");
        expected.forEach((trigger, status) -> {
            HttpResponse<String> r = post(id, trigger);
            assertThat(trigger + ": " + r.body(), r.statusCode(), is(status));
            assertThat(Json.object(r.body()).getString("error"), is(codes.get(trigger)));
            assertThat(r.body(), not(containsString(KEY)));
            // (SLOW: the stand-in would answer "{}" after 3 s, a 502 without choices; the 504
            // says the chat timeout cut the call first)
            if (trigger.equals("BUSY")) {
                assertThat(r.headers().firstValue("Retry-After").orElse(""), is("7"));
            }
        });
        HttpResponse<String> s = Http.get(replica.port(), "/api/sessions/" + id);
        assertThat(Json.object(s.body()).getJsonArray("messages").size(), is(0));
    }

    @Test
    void theKeyNeverAppearsInLogsOrMetrics() {
        String id = Sessions.create(replica.port(), "{}");
        post(id, "FAIL500");
        post(id, "hello");
        String metrics = Http.get(replica.observePort(), "/observe/metrics").body();
        assertThat(metrics, not(containsString(KEY)));
        assertThat(MetricsText.value(metrics, "rotor_upstream_errors_total", "upstream=chat", "kind=status_5xx") >= 1,
                   is(true));
        assertThat(MetricsText.value(metrics, "rotor_upstream_latency_seconds_count", "upstream=chat") >= 1, is(true));
        assertThat(LOGGED.isEmpty(), is(false));
        for (String line : LOGGED) {
            assertThat(line, not(containsString(KEY)));
        }
    }
}
