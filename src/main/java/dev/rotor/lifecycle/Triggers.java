package dev.rotor.lifecycle;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Every rotation trigger of a replica, built in this one place from the settings: the quota and
 * the lifetime drawn once, the memory triggers (heap after collection, the container's working
 * set), stuck work. A new trigger is a class here beside the others and a line in
 * {@link #build}. Emergencies come first: a memory trigger must not wait behind a quota that
 * waits for a fleet slot. Closing uninstalls what listens to the JVM.
 */
public final class Triggers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Triggers.class.getName());

    private final long quota;
    private final Duration lifetime;
    private final List<RotationTrigger> ordered;
    private final Deque<AutoCloseable> owned;
    private final String description;

    private Triggers(long quota, Duration lifetime, List<RotationTrigger> others, Deque<AutoCloseable> owned,
                     double ceiling, String description) {
        this.quota = quota;
        this.lifetime = lifetime;
        this.owned = owned;
        this.description = description;
        List<RotationTrigger> all = new ArrayList<>();
        others.stream().filter(RotationTrigger::emergency).forEach(all::add);
        all.add(new QuotaTrigger(ceiling));
        others.stream().filter(t -> !t.emergency()).forEach(all::add);
        this.ordered = List.copyOf(all);
    }

    /**
     * Stuck work, which the wire counts: handlers still running past the request timeout.
     *
     * @param count handlers stuck now
     * @param limit how many make the replica rotate; 0 = never
     */
    public record StuckWork(IntSupplier count, int limit) {
        /** No stuck-work trigger. */
        public static final StuckWork NONE = new StuckWork(() -> 0, 0);
    }

    /**
     * @param lc        lifecycle settings (quota, lifetime, memory bounds, the rotation ceiling)
     * @param stuck     stuck work and its limit
     * @param random    randomness for the quota and lifetime draws
     * @param nanoClock monotonic clock (how often the cgroup files are read)
     * @return every trigger the settings ask for
     */
    public static Triggers build(LifecycleConfig lc, StuckWork stuck, RandomGenerator random, LongSupplier nanoClock) {
        long quota = Quota.draw(lc.maxRequests(), lc.maxRequestsJitter(), random);
        Duration lifetime = AgeTrigger.draw(lc.maxLifetime(), lc.maxLifetimeJitter(), random);
        List<RotationTrigger> others = new ArrayList<>();
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        if (stuck.limit() > 0) {
            others.add(new StuckTrigger(stuck.count(), stuck.limit()));
        }
        if (lc.maxHeapAfterGc() > 0) {
            HeapPressure heap = new HeapPressure(lc.maxHeapAfterGc(), lc.heapCollections()).install();
            owned.push(heap);
            others.add(heap);
        }
        if (lc.maxContainerMemory() > 0) {
            ContainerMemory container = new ContainerMemory(lc.cgroupPath(), lc.maxContainerMemory(), nanoClock);
            if (container.read().isEmpty()) {
                LOG.log(Level.WARNING, "ROTOR_MAX_CONTAINER_MEMORY is set but " + lc.cgroupPath()
                        + " shows no memory limit; the container-memory trigger stays idle");
            }
            others.add(container);
        }
        if (!lifetime.isZero()) {
            others.add(new AgeTrigger(lifetime, lc.rotationCeiling()));
        }
        String description = "quota " + (quota == 0 ? "off" : quota) + ", lifetime "
                + (lifetime.isZero() ? "unbounded" : Durations.human(lifetime))
                + ", heap trigger " + (lc.maxHeapAfterGc() > 0 ? lc.maxHeapAfterGc() : "off")
                + ", container-memory trigger " + (lc.maxContainerMemory() > 0 ? lc.maxContainerMemory() : "off");
        return new Triggers(quota, lifetime, others, owned, lc.rotationCeiling(), description);
    }

    /**
     * The quota trigger alone, for a quota already drawn (tests and tools).
     *
     * @param quota   the quota, 0 = off
     * @param ceiling factor past the quota at which the replica rotates without a fleet slot
     * @return the triggers
     */
    public static Triggers quota(long quota, double ceiling) {
        return of(quota, ceiling, List.of());
    }

    /**
     * The quota trigger and others already built, ordered as {@link #build} orders them (tests).
     *
     * @param quota   the quota, 0 = off
     * @param ceiling factor past the quota at which the replica rotates without a fleet slot
     * @param others  more triggers
     * @return the triggers
     */
    static Triggers of(long quota, double ceiling, List<RotationTrigger> others) {
        return new Triggers(quota, Duration.ZERO, others, new ArrayDeque<>(), ceiling, "quota " + quota);
    }

    /** @return the drawn quota, 0 when request rotation is off */
    public long quota() {
        return quota;
    }

    /** @return the drawn lifetime, zero when unbounded */
    public Duration lifetime() {
        return lifetime;
    }

    /** @return every trigger, in order of precedence */
    List<RotationTrigger> ordered() {
        return ordered;
    }

    /** @return the triggers as the startup log names them */
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failed to close a trigger: " + e.getMessage(), e);
            }
        }
    }
}
