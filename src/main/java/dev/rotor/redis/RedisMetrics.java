package dev.rotor.redis;

import java.util.ArrayList;
import java.util.List;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Meters of the shared Redis client, read when scraped; removed on close.
 * <pre>
 * rotor_redis_pool_connections{state=active|idle|waiting|max}
 * rotor_redis_circuit_state{state=CLOSED|OPEN|HALF_OPEN}   1 for the current state
 * </pre>
 */
public final class RedisMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param registry where to register
     * @param redis    what to read
     */
    public RedisMetrics(MeterRegistry registry, SharedRedis redis) {
        this.registry = registry;
        pool("active", redis::active);
        pool("idle", redis::idle);
        pool("waiting", redis::waiting);
        pool("max", redis::max);
        for (CircuitState s : CircuitState.values()) {
            meters.add(registry.getOrCreate(Gauge.builder("rotor.redis.circuit.state",
                                                          () -> redis.circuit().state() == s ? 1 : 0)
                                                    .tags(List.of(Tag.create("state", s.name())))
                                                    .description("1 for the Redis circuit's current state")));
        }
    }

    private void pool(String state, java.util.function.Supplier<Integer> value) {
        meters.add(registry.getOrCreate(Gauge.builder("rotor.redis.pool.connections", value)
                                                .tags(List.of(Tag.create("state", state)))
                                                .description("Redis pool connections by state")));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
