package dev.rotor.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Meters of the shared Redis client, read when scraped; removed on close.
 * <pre>
 * rotor_redis_pool_connections{state=active|idle|waiting|max}
 * rotor_redis_circuit_state{state=CLOSED|OPEN|HALF_OPEN}   1 for the current state
 * rotor_redis_node{address="host:port",role=primary|replica|unknown}   1 for the Redis in use
 * rotor_redis_failovers_total              changes of the Redis in use after the first
 * rotor_redis_fallback_milliseconds_total  time on the local fallback (circuit not closed)
 * </pre>
 */
public final class RedisMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final ReentrantLock nodeLock = new ReentrantLock();
    private Meter nodeMeter;
    private RedisNode shown;
    private boolean closed;

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
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.redis.failovers", redis, SharedRedis::failovers)
                                                .description("Changes of the Redis in use (a new primary) seen")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.redis.fallback.milliseconds", redis,
                                                                  r -> r.circuit().fallbackTime().toMillis())
                                                .description("Time on the local fallback while the Redis circuit "
                                                                     + "was not closed")));
        redis.onNodeChange(this::show);
        redis.node().ifPresent(this::show);
    }

    /** The node in use is one series whose labels change: the old series goes, the new one comes. */
    private void show(RedisNode node) {
        nodeLock.lock();
        try {
            if (closed || node.equals(shown)) {
                return;
            }
            if (nodeMeter != null) {
                registry.remove(nodeMeter);
            }
            shown = node;
            nodeMeter = registry.getOrCreate(Gauge.builder("rotor.redis.node", () -> 1)
                                                     .tags(List.of(Tag.create("address", node.address()),
                                                                   Tag.create("role", node.role())))
                                                     .description("1 for the Redis in use and its role"));
        } finally {
            nodeLock.unlock();
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
        nodeLock.lock();
        try {
            closed = true;
            if (nodeMeter != null) {
                registry.remove(nodeMeter);
            }
        } finally {
            nodeLock.unlock();
        }
    }
}
