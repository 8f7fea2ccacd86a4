package dev.rotor.feature;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

import dev.rotor.diagnostics.ClassHistogram;
import dev.rotor.diagnostics.Jit;
import dev.rotor.diagnostics.LeakReport;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.fleet.RotationLease;
import dev.rotor.lifecycle.Handover;
import dev.rotor.lifecycle.Leaving;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.RotationCause;
import dev.rotor.lifecycle.RotationGate;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.redis.SharedRedis;

/**
 * The rotating part of a replica, assembled once: the triggers ({@link Triggers}), the fleet's
 * gate, the lifecycle, and the leak report timed around it. {@link #start()} begins ticking;
 * {@link #close()} undoes it all in reverse. How the replica leaves is departure's, not this.
 */
public final class Rotation implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Rotation.class.getName());
    private static final Duration TICK = Duration.ofMillis(50);

    private final ReplicaLifecycle lifecycle;
    private final Triggers triggers;
    private final FleetConfig fleet;
    private final Optional<LeakReport> leakReport;
    private ScheduledExecutorService ticker;

    private Rotation(ReplicaLifecycle lifecycle, Triggers triggers, FleetConfig fleet, Optional<LeakReport> leakReport) {
        this.lifecycle = lifecycle;
        this.triggers = triggers;
        this.fleet = fleet;
        this.leakReport = leakReport;
    }

    /**
     * @param id        replica id
     * @param lc        lifecycle settings
     * @param leaving   how the replica leaves once expired, as departure says
     * @param fleet     lease and leak report settings
     * @param redis     the shared Redis client, if any
     * @param stuck     stuck work and its limit (the wire's)
     * @param handover  who takes over when it drains
     * @param local     the container's own gate (one worker hands over at a time), checked before the fleet's
     * @param random    randomness for the quota and lifetime draws
     * @param nanoClock monotonic clock
     * @param wallClock wall clock for the times shown to people
     * @return the rotation, not yet ticking
     */
    static Rotation build(String id, LifecycleConfig lc, Leaving leaving, FleetConfig fleet, Optional<SharedRedis> redis,
                          Triggers.StuckWork stuck, Handover handover, RotationGate local, RandomGenerator random,
                          LongSupplier nanoClock, Clock wallClock) {
        Triggers triggers = Triggers.build(lc, stuck, random, nanoClock);
        RotationGate fleetGate = RotationLease.gate(redis, fleet, id, nanoClock);
        RotationGate gate = local == RotationGate.OPEN ? fleetGate : RotationGate.both(local, fleetGate);
        // the replica's age counts from the JVM's start, not from here (seconds later under load)
        Duration uptime = Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
        ReplicaLifecycle lifecycle = new ReplicaLifecycle(id, lc, triggers, leaving, gate, handover, uptime, nanoClock,
                                                          wallClock);
        Optional<LeakReport> report = fleet.leakReport()
                ? Optional.of(new LeakReport(id, fleet.leakReportTop(), ClassHistogram::take, wallClock))
                : Optional.empty();
        Jit jit = Jit.current();
        LOG.log(Level.INFO, "replica " + id + " rotation: " + triggers.describe()
                + ", fleet slots " + (fleetGate == RotationGate.OPEN ? "none" : fleet.maxConcurrentRotations() + " for "
                + fleet.serviceName()) + (local == RotationGate.OPEN ? "" : ", one handover at a time in this container")
                + ", jit " + jit.describe() + (Jit.compilesEarly() ? " with early compilation" : ""));
        jit.mismatch(triggers.quota()).ifPresent(warning -> LOG.log(Level.WARNING, warning));
        Rotation rotation = new Rotation(lifecycle, triggers, fleet, report);
        lifecycle.onDrain(rotation::drainStarted);
        return rotation;
    }

    /**
     * Start the ticker (trigger and drain evaluation) and schedule the leak report's baseline.
     */
    public void start() {
        ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("rotor-lifecycle").daemon().factory());
        ticker.scheduleAtFixedRate(lifecycle::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        if (!lifecycle.handover().inPlace()) {
            leakReport.ifPresent(r -> ticker.schedule(() -> Thread.ofVirtual().start(r::takeBaseline),
                                                      fleet.leakReportWarmup().toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    /**
     * The replica is warm and about to serve. A histogram stops the whole JVM for a few hundred
     * milliseconds (it runs a full collection first): a worker replaced in place is all its
     * container serves with (one worker by default), so a pause there is a pause of the
     * container. Such a worker takes its baseline here instead of while serving, when it is a
     * successor (its predecessor serves meanwhile; the container's first worker goes without
     * one rather than delay the container's readiness), and its drain histogram once it has
     * stopped serving ({@link #afterServing()}).
     */
    public void beforeServing() {
        if (lifecycle.handover().inPlace() && lifecycle.handover().successor()) {
            leakReport.ifPresent(LeakReport::takeBaseline);
        }
    }

    /**
     * The server stopped: everything accepted is answered. A worker replaced in place takes its
     * drain histogram now (see {@link #beforeServing()}); the report reaches the log only.
     */
    public void afterServing() {
        RotationCause cause = lifecycle.cause();
        if (deferredReport(cause)) {
            leakReport.ifPresent(r -> r.onDrain(cause));
        }
    }

    /**
     * The drain started: the leak report's drain histogram, unless it waits until the server stopped.
     *
     * @param cause why the replica drains
     */
    private void drainStarted(RotationCause cause) {
        if (!deferredReport(cause)) {
            leakReport.ifPresent(r -> Thread.ofVirtual().name("rotor-leak-report").start(() -> r.onDrain(cause)));
        }
    }

    /** @return whether the drain histogram waits until the server stopped (see {@link #beforeServing()}) */
    private boolean deferredReport(RotationCause cause) {
        return lifecycle.handover().inPlace() && cause != null && cause != RotationCause.SIGNAL;
    }

    /** @return the lifecycle */
    public ReplicaLifecycle lifecycle() {
        return lifecycle;
    }

    /** @return the leak report, when enabled */
    public Optional<LeakReport> leakReport() {
        return leakReport;
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        // the replica is leaving: its fleet rotation slot is free for the next one (Redis is
        // closed after this, in reverse order of creation)
        lifecycle.gate().release();
        triggers.close();
    }
}
