package dev.rotor.lifecycle;

import java.lang.management.ManagementFactory;
import java.util.Locale;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObject;

/**
 * This replica's status, for people and scripts. Registered under {@code /observe/replica},
 * so it never counts toward the quota.
 * <pre>
 * curl -s localhost:8080/observe/replica
 * {"id":"7f3a2c","state":"SERVING","served":12,"quota":873,"ageSeconds":41.2,"inFlight":0,
 *  "heapUsedBytes":31457280,"exitMode":"liveness","stateSince":"2026-11-23T19:40:01Z",...}
 * </pre>
 */
public final class ReplicaService implements HttpService {
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(null);

    private final ReplicaLifecycle lifecycle;

    /**
     * @param lifecycle the replica's lifecycle
     */
    public ReplicaService(ReplicaLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) {
        res.send(status());
    }

    JsonObject status() {
        var b = JSON.createObjectBuilder()
                .add("id", lifecycle.id())
                .add("state", lifecycle.state().name())
                .add("served", lifecycle.served())
                .add("quota", lifecycle.quota())
                .add("ageSeconds", lifecycle.age().toMillis() / 1000.0)
                .add("inFlight", lifecycle.inFlight())
                .add("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed())
                .add("exitMode", lifecycle.config().exitMode().name().toLowerCase(Locale.ROOT))
                .add("stateSince", lifecycle.stateSince().toString())
                .add("drainSeconds", lifecycle.drainDuration().toMillis() / 1000.0);
        if (lifecycle.cause() != null) {
            b.add("cause", lifecycle.cause().name().toLowerCase(Locale.ROOT));
        }
        return b.build();
    }
}
