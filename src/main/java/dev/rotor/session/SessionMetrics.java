package dev.rotor.session;

import java.util.ArrayList;
import java.util.List;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

import com.github.benmanes.caffeine.cache.RemovalCause;

/**
 * Meters of the session store, read when scraped; removed on close.
 * <pre>
 * rotor_sessions_active                      sessions in memory
 * rotor_sessions_capacity                    max-active
 * rotor_sessions_dirty                       sessions in memory that Redis lacks
 * rotor_sessions_evicted_total{cause=size|expired|deleted}
 * rotor_sessions_loaded_total                read from Redis into this replica's memory
 * rotor_sessions_flushed_total               written to Redis by a flush
 * rotor_sessions_served_from_memory_total    reads answered from memory known to hold what Redis holds
 * </pre>
 */
public final class SessionMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param registry where to register
     * @param store    what to read
     */
    public SessionMetrics(MeterRegistry registry, SessionStore store) {
        this.registry = registry;
        meters.add(registry.getOrCreate(Gauge.builder("rotor.sessions.active", store::active)
                                                .description("Sessions held in memory")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.sessions.capacity", () -> store.config().maxActive())
                                                .description("Most sessions held in memory (max-active)")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.sessions.dirty", store::dirty)
                                                .description("Sessions in memory that Redis lacks")));
        evicted("size", s -> s.evicted(RemovalCause.SIZE), store);
        evicted("expired", s -> s.evicted(RemovalCause.EXPIRED), store);
        evicted("deleted", SessionStore::deleted, store);
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.sessions.loaded", store,
                                                                  SessionStore::loadedFromRedis)
                                                .description("Sessions read from Redis that this replica's memory lacked")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.sessions.flushed", store, SessionStore::flushed)
                                                .description("Sessions written to Redis by a flush")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.sessions.served.from.memory", store,
                                                                  SessionStore::servedFromMemory)
                                                .description("Reads answered from memory known to hold what Redis holds")));
    }

    private void evicted(String cause, java.util.function.Function<SessionStore, Long> fn, SessionStore store) {
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.sessions.evicted", store, fn)
                                                .tags(List.of(Tag.create("cause", cause)))
                                                .description("Sessions removed from memory, by cause")));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
