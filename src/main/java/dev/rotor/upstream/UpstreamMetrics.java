package dev.rotor.upstream;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * Meters of the outbound client and the upstreams behind it.
 * <pre>
 * rotor_outbound_connections{state=active|idle|waiting|max}
 * rotor_outbound_rejected_total                    no connection free within connect-timeout (503)
 * rotor_upstream_latency_seconds{upstream=chat|geoip}   answered calls
 * rotor_upstream_errors_total{upstream=...,kind=timeout|connect_timeout|connection|pool_exhausted|
 *                             too_large|status_5xx|status_4xx|rate_limited|bad_response}
 * </pre>
 * Error meters are created on first use: the upstream and kind sets are small and fixed.
 */
public final class UpstreamMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();

    /**
     * @param registry where to register
     */
    public UpstreamMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param client the outbound client whose pool to show
     */
    public void watch(OutboundClient client) {
        pool("active", client::active);
        pool("idle", client::idle);
        pool("waiting", client::waiting);
        pool("max", client::max);
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.outbound.rejected", client, OutboundClient::rejected)
                                                .description("Outbound calls refused: no connection free within the connect timeout")));
    }

    /**
     * @param upstream upstream name
     * @param nanos    how long the answered call took
     */
    void latency(String upstream, long nanos) {
        Timer t = registry.getOrCreate(Timer.builder("rotor.upstream.latency")
                                               .tags(List.of(Tag.create("upstream", upstream)))
                                               .description("Latency of answered upstream calls"));
        track(t);
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * @param upstream upstream name
     * @param kind     what went wrong
     */
    public void error(String upstream, String kind) {
        Counter c = registry.getOrCreate(Counter.builder("rotor.upstream.errors")
                                                 .tags(List.of(Tag.create("upstream", upstream), Tag.create("kind", kind)))
                                                 .description("Failed upstream calls by upstream and kind"));
        track(c);
        c.increment();
    }

    private void track(Meter m) {
        if (!meters.contains(m)) {
            meters.add(m);
        }
    }

    private void pool(String state, java.util.function.Supplier<Integer> value) {
        meters.add(registry.getOrCreate(Gauge.builder("rotor.outbound.connections", value)
                                                .tags(List.of(Tag.create("state", state)))
                                                .description("Outbound HTTP connections by state")));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
