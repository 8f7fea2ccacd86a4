package dev.rotor.adapter;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import dev.rotor.diagnostics.LeakReport;
import dev.rotor.diagnostics.WarmUp;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.web.ErrorResponses;

import io.helidon.http.Status;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObject;

/**
 * This replica's status, for people and scripts. Registered under {@code /observe/replica},
 * so it never counts toward the quota.
 * <pre>
 * curl -s localhost:8080/observe/replica
 * {"id":"7f3a2c","state":"SERVING","served":12,"quota":873,"ageSeconds":41.2,"inFlight":0,
 *  "heapUsedBytes":31457280,"exitMode":"liveness","stateSince":"2026-11-23T19:40:01Z",...}
 * curl -s localhost:8080/observe/replica/report     # after a drain began: the classes that grew most
 * </pre>
 */
public final class ReplicaService implements HttpService {
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(null);

    private final ReplicaLifecycle lifecycle;
    private final Optional<LeakReport> leakReport;
    private final IntSupplier stuck;
    private final IntSupplier connections;
    private final Supplier<Optional<WarmUp.Result>> warmUp;
    private final String exitMode;

    /**
     * @param lifecycle   the replica's lifecycle
     * @param leakReport  the leak report, when enabled
     * @param stuck       handlers still running past the request timeout
     * @param connections open connections on the public port
     * @param warmUp      what the warm-up did, once it is over
     * @param exitMode    how the replica leaves, as operators write it
     */
    public ReplicaService(ReplicaLifecycle lifecycle, Optional<LeakReport> leakReport, IntSupplier stuck,
                          IntSupplier connections, Supplier<Optional<WarmUp.Result>> warmUp, String exitMode) {
        this.lifecycle = lifecycle;
        this.leakReport = leakReport;
        this.stuck = stuck;
        this.connections = connections;
        this.warmUp = warmUp;
        this.exitMode = exitMode;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status)
                .get("/report", this::report);
    }

    private void report(ServerRequest req, ServerResponse res) {
        if (leakReport.isEmpty()) {
            ErrorResponses.send(res, Status.NOT_FOUND_404, "leak_report_off",
                                "the leak report is off (ROTOR_LEAK_REPORT=false)", null);
            return;
        }
        Optional<LeakReport.Report> r = leakReport.get().report();
        if (r.isEmpty()) {
            ErrorResponses.send(res, Status.NOT_FOUND_404, "no_report_yet",
                                "the leak report is written when this replica begins to drain", null);
            return;
        }
        LeakReport.Report report = r.get();
        res.send(JSON.createObjectBuilder()
                         .add("replica", lifecycle.id())
                         .add("cause", report.cause().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                         .add("baselineAt", report.baselineAt() == null ? "none" : report.baselineAt().toString())
                         .add("takenAt", report.takenAt().toString())
                         .add("baselinePauseMs", report.baselinePauseMs())
                         .add("pauseMs", report.pauseMs())
                         .add("suspects", growths(report.suspects()))
                         .add("growers", growths(report.growers()))
                         .build());
    }

    private static JsonArrayBuilder growths(java.util.List<LeakReport.Growth> list) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        for (LeakReport.Growth g : list) {
            array.add(JSON.createObjectBuilder()
                              .add("class", g.className())
                              .add("instances", g.instances())
                              .add("bytes", g.bytes())
                              .add("instancesGrowth", g.instancesGrowth())
                              .add("bytesGrowth", g.bytesGrowth()));
        }
        return array;
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
                .add("stuck", stuck.getAsInt())
                .add("connections", connections.getAsInt())
                .add("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed())
                .add("exitMode", exitMode)
                .add("stateSince", lifecycle.stateSince().toString())
                .add("drainSeconds", lifecycle.drainDuration().toMillis() / 1000.0);
        if (lifecycle.cause() != null) {
            b.add("cause", lifecycle.cause().name().toLowerCase(Locale.ROOT));
        }
        warmUp.get().ifPresent(w -> {
            var warm = JSON.createObjectBuilder()
                    .add("answered", w.answered())
                    .add("ms", w.took().toMillis())
                    .add("finishedAt", w.finishedAt().toString());
            w.stopped().ifPresent(why -> warm.add("stopped", why));
            b.add("warmUp", warm);
        });
        return b.build();
    }
}
