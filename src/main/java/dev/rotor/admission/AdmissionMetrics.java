package dev.rotor.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Admission meters, read when scraped; registered on start, removed on close.
 * <pre>
 * rotor_admission_concurrency_permits{state=capacity|in_use}
 * rotor_admission_concurrency_queue{state=capacity|waiting}
 * rotor_admission_concurrency_rejected_total
 * rotor_admission_rate_decisions_total{result=allowed|rejected,backend=redis|local}
 * rotor_admission_rate_clients{state=capacity|tracked}      local limiter's memory
 * rotor_admission_rate_replicas                            replicas sharing the limit
 * rotor_admission_rate_lease_calls_total                   slices leased from Redis (one round trip each)
 * rotor_admission_rate_lease_waits_total                   decisions that waited for a lease call
 * </pre>
 */
final class AdmissionMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    AdmissionMetrics(MeterRegistry registry, ConcurrencyLimiter concurrency, Optional<SharedRateLimiter> rate,
                     ReplicaCount replicas) {
        this.registry = registry;
        gauge("rotor.admission.concurrency.permits", "capacity", concurrency::capacity, "Concurrency permits by state");
        gauge("rotor.admission.concurrency.permits", "in_use", concurrency::inUse, "Concurrency permits by state");
        gauge("rotor.admission.concurrency.queue", "capacity", concurrency::queueCapacity, "Concurrency queue by state");
        gauge("rotor.admission.concurrency.queue", "waiting", concurrency::waiting, "Concurrency queue by state");
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.admission.concurrency.rejected", concurrency,
                                                                  ConcurrencyLimiter::rejected)
                                                .description("Requests rejected with 503 by the concurrency limit")));
        rate.ifPresent(r -> {
            for (RateDecision.Backend backend : RateDecision.Backend.values()) {
                for (boolean allowed : new boolean[] {true, false}) {
                    meters.add(registry.getOrCreate(
                            FunctionalCounter.builder("rotor.admission.rate.decisions", r, x -> x.decisions(allowed, backend))
                                    .tags(List.of(Tag.create("result", allowed ? "allowed" : "rejected"),
                                                  Tag.create("backend", backend.name().toLowerCase(java.util.Locale.ROOT))))
                                    .description("Rate-limit decisions by result and deciding backend")));
                }
            }
            gauge("rotor.admission.rate.clients", "capacity", () -> r.local().maxClients(),
                  "Clients the local rate limiter remembers");
            gauge("rotor.admission.rate.clients", "tracked", () -> r.local().trackedClients(),
                  "Clients the local rate limiter remembers");
            meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.admission.rate.lease.calls", r,
                                                                      SharedRateLimiter::leaseCalls)
                                                    .description("Slices of clients' allowances leased from Redis, one round trip each")));
            meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.admission.rate.lease.waits", r,
                                                                      SharedRateLimiter::leaseWaits)
                                                    .description("Rate-limit decisions that waited for a lease call to Redis")));
            meters.add(registry.getOrCreate(Gauge.builder("rotor.admission.rate.replicas", replicas::replicas)
                                                    .description("Replicas sharing the rate limit (local share = limit / this)")));
        });
    }

    private void gauge(String name, String state, Supplier<? extends Number> value, String description) {
        meters.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                                                .tags(List.of(Tag.create("state", state)))
                                                .description(description)));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
