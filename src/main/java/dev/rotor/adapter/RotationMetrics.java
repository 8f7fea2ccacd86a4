package dev.rotor.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import dev.rotor.departure.Evictor;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.RotationCause;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Meters of rotation coordination, read when scraped; removed on close.
 * <pre>
 * rotor_rotation_cause{cause=quota|age|heap|container-memory|signal}  1 for the cause of this replica's drain
 * rotor_rotation_slot_refusals_total     times a fleet rotation slot was refused (lease waits)
 * rotor_restart_backoff_risk             1 when this replica rotates in liveness mode before 10 minutes
 * rotor_evictions_total{result=accepted|throttled|failed}  self-eviction requests by answer
 * </pre>
 */
public final class RotationMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param registry    where to register
     * @param l           the lifecycle (cause, slot refusals)
     * @param backoffRisk whether the replica rotates before Kubernetes resets its restart back-off
     * @param evictor     the self-evictor, in evict mode
     */
    public RotationMetrics(MeterRegistry registry, ReplicaLifecycle l, BooleanSupplier backoffRisk,
                           Optional<Evictor> evictor) {
        this.registry = registry;
        for (RotationCause cause : RotationCause.values()) {
            String word = cause.name().toLowerCase(Locale.ROOT).replace('_', '-');
            meters.add(registry.getOrCreate(Gauge.builder("rotor.rotation.cause", () -> l.cause() == cause ? 1 : 0)
                                                    .tags(List.of(Tag.create("cause", word)))
                                                    .description("1 for the cause of this replica's drain")));
        }
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.rotation.slot.refusals", l,
                                                                  ReplicaLifecycle::slotRefusals)
                                                .description("Times a fleet rotation slot was refused")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.restart.backoff.risk", () -> backoffRisk.getAsBoolean() ? 1 : 0)
                                                .description("1 when this replica rotates in liveness mode before "
                                                                     + "Kubernetes resets its restart back-off")));
        evictor.ifPresent(e -> {
            evictions("accepted", e, Evictor::accepted);
            evictions("throttled", e, Evictor::throttled);
            evictions("failed", e, Evictor::failed);
        });
    }

    private void evictions(String result, Evictor e, java.util.function.Function<Evictor, Long> count) {
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.evictions", e, count)
                                                .tags(List.of(Tag.create("result", result)))
                                                .description("Self-eviction requests by answer")));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
