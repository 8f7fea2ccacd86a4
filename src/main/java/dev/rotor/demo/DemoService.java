package dev.rotor.demo;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
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
                .any("/work", MethodNotAllowed.allowing("GET"))
                .get("/stuck", this::stuck)
                .any("/stuck", MethodNotAllowed.allowing("GET"));
    }

    /**
     * {@code GET /demo/stuck}: a handler stuck for good, as a deadlock would leave it. It
     * ignores interrupts and never answers; the request deadline answers for it, and enough
     * of them rotate the replica (cause {@code stuck}).
     */
    @SuppressWarnings("InfiniteLoopStatement")
    private void stuck(ServerRequest req, ServerResponse res) {
        CountDownLatch never = new CountDownLatch(1);
        while (true) {
            try {
                never.await();
            } catch (InterruptedException ignored) {
                // a stuck handler does not listen: that is the point
            }
        }
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
