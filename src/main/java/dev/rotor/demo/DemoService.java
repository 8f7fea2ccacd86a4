package dev.rotor.demo;

import java.time.Duration;
import java.util.Map;

import dev.rotor.web.ApiException;
import dev.rotor.web.MethodNotAllowed;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;

/**
 * {@code GET /demo/work?ms=N}: holds the request for N milliseconds, like a slow query, then
 * answers. Routed only with {@code ROTOR_DEMO_ENDPOINTS=true}.
 * <pre>
 * curl -s 'localhost:8080/demo/work?ms=250'
 * {"workedMs":250,"replica":"7f3a2c"}
 * </pre>
 */
public final class DemoService implements HttpService {
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());

    private final DemoConfig config;
    private final String replicaId;

    /**
     * @param config    demonstration settings
     * @param replicaId this replica's id, echoed in answers
     */
    public DemoService(DemoConfig config, String replicaId) {
        this.config = config;
        this.replicaId = replicaId;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/work", this::work)
                .any("/work", MethodNotAllowed.allowing("GET"));
    }

    private void work(ServerRequest req, ServerResponse res) throws InterruptedException {
        long max = config.maxWork().toMillis();
        String raw = req.query().first("ms").orElse("0");
        long ms;
        try {
            ms = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badParameter("ms", "must be a whole number from 0 to " + max + ", got \"" + raw + "\"");
        }
        if (ms < 0 || ms > max) {
            throw ApiException.badParameter("ms", "must be a whole number from 0 to " + max + ", got " + ms);
        }
        // a virtual thread parks here; no platform thread is held
        Thread.sleep(Duration.ofMillis(ms));
        res.send(JSON.createObjectBuilder().add("workedMs", ms).add("replica", replicaId).build());
    }
}
