package dev.rotor.monitoring;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;

/**
 * The few meters worth paying CloudWatch for, read from the replica's meter registry (the
 * same numbers Prometheus scrapes). Counters are sent as the change since the last reading,
 * so that CloudWatch's Sum over a period is what happened in it, across replicas.
 * <ul>
 *     <li>{@code Requests}: public requests served ({@code rotor.replica.requests})</li>
 *     <li>{@code Rotations}: 1 in the period a replica leaves serving ({@code rotor.replica.state})</li>
 *     <li>{@code Rejections}: every counter whose name contains {@code rejected} (outbound pool,
 *         and admission's limits once they exist)</li>
 *     <li>{@code SessionsActive}: sessions in memory ({@code rotor.sessions.active})</li>
 *     <li>{@code HeapUsed}: heap in use, bytes</li>
 * </ul>
 */
final class KeyMeters {
    /**
     * One value to send.
     *
     * @param name  CloudWatch metric name
     * @param unit  CloudWatch unit name
     * @param value the value
     */
    record Datum(String name, String unit, double value) {
    }

    private final MeterRegistry registry;
    private final Map<String, Double> lastTotals = new HashMap<>();

    KeyMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** @return the values now; counters as the change since the previous call */
    List<Datum> read() {
        List<Datum> out = new ArrayList<>();
        out.add(new Datum("Requests", "Count", delta("Requests", sum(m -> m.id().name().equals("rotor.replica.requests")))));
        double rotating = sum(m -> m.id().name().equals("rotor.replica.state")
                && ("DRAINING".equals(tag(m, "state")) || "EXPIRED".equals(tag(m, "state"))));
        out.add(new Datum("Rotations", "Count", delta("Rotations", rotating)));
        out.add(new Datum("Rejections", "Count", delta("Rejections", sum(m -> m.id().name().contains("rejected")))));
        out.add(new Datum("SessionsActive", "Count", sum(m -> m.id().name().equals("rotor.sessions.active"))));
        out.add(new Datum("HeapUsed", "Bytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()));
        return out;
    }

    private double delta(String key, double total) {
        Double last = lastTotals.put(key, total);
        return Math.max(0, total - (last == null ? 0 : last));
    }

    private double sum(Predicate<Meter> which) {
        double total = 0;
        for (Meter m : registry.meters(which)) {
            total += switch (m) {
                case Counter c -> c.count();
                case FunctionalCounter c -> c.count();
                case Gauge<?> g -> g.value().doubleValue();
                default -> 0;
            };
        }
        return total;
    }

    private static String tag(Meter m, String key) {
        for (var t : m.id().tags()) {
            if (t.key().equals(key)) {
                return t.value();
            }
        }
        return null;
    }
}
