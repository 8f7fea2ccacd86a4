package dev.rotor.logging;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.rotor.support.Await;
import dev.rotor.support.Http;
import dev.rotor.support.JarProcess;
import dev.rotor.support.Json;

import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The built jar started with the original deployment's gunicorn variables and the log
 * settings a Kubernetes or Render deployment uses: the aliases take effect, the worker
 * count is explained once, and every line the process prints, from the first to the
 * last, is one JSON object.
 */
class GunicornEnvironmentIT {
    @Test
    void gunicornVariablesWorkAndEveryLineIsJson() {
        List<JsonObject> lines;
        String requestId;
        try (JarProcess p = JarProcess.start(Map.of("GUNICORN_MAX_REQUESTS", "5",
                                                    "GUNICORN_MAX_REQUESTS_JITTER", "0",
                                                    "GUNICORN_TIMEOUT", "30",
                                                    "GUNICORN_GRACEFUL_TIMEOUT", "45",
                                                    "WORKERS", "4",
                                                    "LOG_LEVEL", "info",
                                                    "ROTOR_LOG_FORMAT", "json",
                                                    "ROTOR_ACCESS_LOG", "true",
                                                    "ROTOR_SHUTDOWN_DRAIN_PERIOD", "PT0.2S")).awaitReady()) {
            JsonObject status = Json.object(Http.get(p.port(), "/observe/replica").body());
            assertThat("quota from GUNICORN_MAX_REQUESTS with no jitter", status.getInt("quota"), is(5));
            HttpResponse<String> banner = Http.get(p.port(), "/");
            assertThat(banner.statusCode(), is(200));
            requestId = banner.headers().firstValue("X-Request-ID").orElseThrow();
            // the access line's fields are members of its JSON object
            Await.until("the access line", Duration.ofSeconds(10), () -> p.output().contains("\"path\":\"/\",\"status\":200"));
            p.sigterm();
            assertThat(p.awaitExit(Duration.ofSeconds(30)), is(0));
            lines = p.output().lines().filter(l -> !l.isBlank()).map(l -> {
                try {
                    return Json.object(l);
                } catch (RuntimeException e) {
                    throw new AssertionError("not one JSON object: " + l + "\nwhole output:\n" + p.output(), e);
                }
            }).toList();
        }
        assertThat("one warning explains WORKERS", lines.stream()
                .filter(l -> l.getString("level").equals("WARN") && l.getString("message").startsWith("WORKERS=4 ")).count(), is(1L));
        assertThat("drain timeout from GUNICORN_GRACEFUL_TIMEOUT in the settings line", lines.stream()
                .anyMatch(l -> l.getString("message").contains("drain-timeout=PT45S")), is(true));
        List<JsonObject> access = lines.stream().filter(l -> l.getString("logger").equals(AccessLogFeature.LOGGER)).toList();
        assertThat("one access line for GET /", access.size(), is(1));
        assertThat(access.getFirst().getString("method"), is("GET"));
        assertThat(access.getFirst().getInt("status"), is(200));
        assertThat("the id the response carried", access.getFirst().getString("request_id"), is(requestId));
    }
}
