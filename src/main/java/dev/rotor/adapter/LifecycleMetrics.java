package dev.rotor.adapter;

import java.util.ArrayList;
import java.util.List;

import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.ReplicaState;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * The lifecycle's meters, read from the lifecycle when scraped. Registered on start and
 * removed on close, so that a registry outlives any one lifecycle (tests run several).
 * <pre>
 * rotor_replica_requests_total   public requests served
 * rotor_replica_quota            the drawn quota (0 = off)
 * rotor_replica_state{state=}    1 for the current state, 0 for the others
 * rotor_replica_age_seconds      time since boot
 * rotor_inflight_requests        public requests in flight
 * rotor_drain_seconds            length of the current (or last) drain
 * </pre>
 */
public final class LifecycleMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param registry  where to register
     * @param lifecycle what to read
     */
    public LifecycleMetrics(MeterRegistry registry, ReplicaLifecycle lifecycle) {
        this.registry = registry;
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.replica.requests", lifecycle,
                                                                  ReplicaLifecycle::served)
                                                .description("Public requests served by this replica")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.replica.quota", lifecycle::quota)
                                                .description("Requests this replica serves before it rotates (0 = off)")));
        for (ReplicaState s : ReplicaState.values()) {
            meters.add(registry.getOrCreate(Gauge.builder("rotor.replica.state", () -> lifecycle.state() == s ? 1 : 0)
                                                    .tags(List.of(Tag.create("state", s.name())))
                                                    .description("1 for the replica's current state")));
        }
        meters.add(registry.getOrCreate(Gauge.builder("rotor.replica.age.seconds", () -> lifecycle.age().toMillis() / 1000.0)
                                                .description("Seconds since this replica booted")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.inflight.requests", lifecycle::inFlight)
                                                .description("Public requests in flight")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.drain.seconds", () -> lifecycle.drainDuration().toMillis() / 1000.0)
                                                .description("Seconds spent in the current or last drain")));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
