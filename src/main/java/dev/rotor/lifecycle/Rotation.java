package dev.rotor.lifecycle;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

import dev.rotor.redis.SharedRedis;

import io.helidon.metrics.api.MeterRegistry;

/**
 * Everything that decides when and how a replica rotates, assembled once: the drawn quota
 * and lifetime, the triggers, the fleet lease, the lifecycle, the leak report, self-eviction,
 * and their meters. {@link #start()} begins ticking; {@link #close()} undoes it all in reverse.
 */
public final class Rotation implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Rotation.class.getName());
    private static final Duration TICK = Duration.ofMillis(50);
    /** Kubernetes resets a container's restart back-off only after it ran this long. */
    static final Duration BACKOFF_RESET = Duration.ofMinutes(10);

    private final ReplicaLifecycle lifecycle;
    private final FleetConfig fleet;
    private final Optional<LeakReport> leakReport;
    private final Optional<Evictor> evictor;
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final RotationMetrics metrics;
    private volatile boolean backoffRisk;
    private ScheduledExecutorService ticker;

    private Rotation(ReplicaLifecycle lifecycle, FleetConfig fleet, Optional<LeakReport> leakReport,
                     Optional<Evictor> evictor, MeterRegistry registry) {
        this.lifecycle = lifecycle;
        this.fleet = fleet;
        this.leakReport = leakReport;
        this.evictor = evictor;
        this.metrics = new RotationMetrics(registry, this);
        closeables.push(metrics);
    }

    /**
     * @param id         replica id
     * @param lc         lifecycle settings
     * @param fleet      lease and leak report settings
     * @param kubernetes self-eviction settings
     * @param redis      the shared Redis client, if any
     * @param registry   meter registry
     * @param random     randomness for the quota and lifetime draws
     * @return the assembled rotation, not yet ticking
     */
    public static Rotation build(String id, LifecycleConfig lc, FleetConfig fleet, KubernetesConfig kubernetes,
                                 Optional<SharedRedis> redis, MeterRegistry registry, RandomGenerator random) {
        return build(id, lc, fleet, kubernetes, redis, registry, random, List.of());
    }

    /**
     * As {@link #build(String, LifecycleConfig, FleetConfig, KubernetesConfig, Optional, MeterRegistry, RandomGenerator)},
     * with triggers owned by other features (stuck work).
     *
     * @param id         replica id
     * @param lc         lifecycle settings
     * @param fleet      fleet settings
     * @param kubernetes Kubernetes settings (evict mode)
     * @param redis      shared Redis, when configured
     * @param registry   meters
     * @param random     randomness for the quota and lifetime
     * @param extra      more triggers, in order
     * @return the rotation, not yet started
     */
    public static Rotation build(String id, LifecycleConfig lc, FleetConfig fleet, KubernetesConfig kubernetes,
                                 Optional<SharedRedis> redis, MeterRegistry registry, RandomGenerator random,
                                 List<RotationTrigger> extra) {
        return build(id, lc, fleet, kubernetes, redis, registry, random, extra, Handover.NONE, RotationGate.OPEN);
    }

    /**
     * As above, for a worker replaced in place by a successor (several JVMs sharing one port).
     *
     * @param id         replica id
     * @param lc         lifecycle settings
     * @param fleet      fleet settings
     * @param kubernetes Kubernetes settings (evict mode)
     * @param redis      shared Redis, when configured
     * @param registry   meters
     * @param random     randomness for the quota and lifetime
     * @param extra      more triggers, in order
     * @param handover   who takes over when it drains
     * @param local      the container's own gate (one worker hands over at a time), checked before the fleet's
     * @return the rotation, not yet started
     */
    public static Rotation build(String id, LifecycleConfig lc, FleetConfig fleet, KubernetesConfig kubernetes,
                                 Optional<SharedRedis> redis, MeterRegistry registry, RandomGenerator random,
                                 List<RotationTrigger> extra, Handover handover, RotationGate local) {
        long quota = Quota.draw(lc.maxRequests(), lc.maxRequestsJitter(), random);
        Jit jit = Jit.current();
        List<RotationTrigger> triggers = new ArrayList<>(extra);
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        if (lc.maxHeapAfterGc() > 0) {
            HeapPressure heap = new HeapPressure(lc.maxHeapAfterGc(), lc.heapCollections()).install();
            owned.push(heap);
            triggers.add(heap);
        }
        if (lc.maxContainerMemory() > 0) {
            ContainerMemory container = new ContainerMemory(lc.cgroupPath(), lc.maxContainerMemory(), System::nanoTime);
            if (container.read().isEmpty()) {
                LOG.log(Level.WARNING, "ROTOR_MAX_CONTAINER_MEMORY is set but " + lc.cgroupPath()
                        + " shows no memory limit; the container-memory trigger stays idle");
            }
            triggers.add(container);
        }
        Duration lifetime = AgeTrigger.draw(lc.maxLifetime(), lc.maxLifetimeJitter(), random);
        if (!lifetime.isZero()) {
            triggers.add(new AgeTrigger(lifetime, lc.rotationCeiling()));
        }
        RotationGate gate = RotationGate.OPEN;
        if (redis.isPresent() && fleet.maxConcurrentRotations() > 0) {
            gate = new RotationLease(redis.get(), fleet, id, System::nanoTime);
        } else if (fleet.maxConcurrentRotations() > 0) {
            LOG.log(Level.INFO, "no Redis: replicas do not coordinate rotations; the quota's jitter alone spreads them");
        }
        RotationGate fleetGate = gate;
        gate = local == RotationGate.OPEN ? fleetGate : RotationGate.both(local, fleetGate);
        ReplicaLifecycle lifecycle = new ReplicaLifecycle(id, lc, quota, triggers, gate, handover, System::nanoTime,
                                                          Clock.systemUTC());
        Optional<LeakReport> report = fleet.leakReport()
                ? Optional.of(new LeakReport(id, fleet.leakReportTop(), ClassHistogram::take, Clock.systemUTC()))
                : Optional.empty();
        Optional<Evictor> evictor = lc.exitMode() == ExitMode.EVICT ? Optional.of(new Evictor(kubernetes)) : Optional.empty();
        evictor.ifPresent(owned::push);
        Rotation rotation = new Rotation(lifecycle, fleet, report, evictor, registry);
        while (!owned.isEmpty()) {
            rotation.closeables.addLast(owned.pop());
        }
        LOG.log(Level.INFO, "replica " + id + " rotation: quota " + (quota == 0 ? "off" : quota) + ", lifetime "
                + (lifetime.isZero() ? "unbounded" : ReplicaLifecycle.human(lifetime))
                + ", heap trigger " + (lc.maxHeapAfterGc() > 0 ? lc.maxHeapAfterGc() : "off")
                + ", container-memory trigger " + (lc.maxContainerMemory() > 0 ? lc.maxContainerMemory() : "off")
                + ", fleet slots " + (fleetGate == RotationGate.OPEN ? "none" : fleet.maxConcurrentRotations() + " for "
                + fleet.serviceName()) + (local == RotationGate.OPEN ? "" : ", one handover at a time in this container") + ", jit " + jit.describe() + (Jit.compilesEarly() ? " with early compilation" : ""));
        jit.mismatch(quota).ifPresent(warning -> LOG.log(Level.WARNING, warning));
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

    /** @return whether the drain histogram waits until the server stopped (see {@link #beforeServing()}) */
    private boolean deferredReport(RotationCause cause) {
        return lifecycle.handover().inPlace() && cause != null && cause != RotationCause.SIGNAL;
    }

    /**
     * Leave by self-eviction: ask the API, and fail liveness when it refuses. Once the API
     * accepts, the fleet slot is released (it stays taken for the lease hold).
     */
    public void evict() {
        Evictor e = evictor.orElseThrow();
        Thread.ofPlatform().name("rotor-evict").start(() -> {
            try {
                if (e.evict() == Evictor.Outcome.REFUSED) {
                    lifecycle.failLiveness("self-eviction refused");
                } else {
                    // Kubernetes deletes the pod and its ReplicaSet starts the replacement now,
                    // not when this pod exits: the fleet slot is held for the replacement's start
                    // from here, not after the preStop pause and the shutdown drain as well
                    lifecycle.gate().release();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void drainStarted(RotationCause cause) {
        if (!deferredReport(cause)) {
            leakReport.ifPresent(r -> Thread.ofVirtual().name("rotor-leak-report").start(() -> r.onDrain(cause)));
        }
        Duration age = lifecycle.age();
        LifecycleConfig c = lifecycle.config();
        if (c.exitMode() == ExitMode.LIVENESS && cause != RotationCause.SIGNAL && age.compareTo(BACKOFF_RESET) < 0) {
            backoffRisk = true;
            double rate = lifecycle.served() / Math.max(1.0, age.toMillis() / 1000.0);
            long quotaFor10m = (long) Math.ceil(rate * BACKOFF_RESET.toSeconds());
            LOG.log(Level.WARNING, String.format(Locale.ROOT,
                    "replica %s rotates after %s (%d requests at %.1f req/s, cause %s): Kubernetes backs off restarts "
                            + "of containers that ran under 10 minutes (10 s doubling to 5 min, CrashLoopBackOff). "
                            + "Avoid it with ROTOR_MIN_LIFETIME=PT10M, ROTOR_MAX_REQUESTS of at least %d at this rate, "
                            + "or ROTOR_EXIT_MODE=evict",
                    lifecycle.id(), ReplicaLifecycle.human(age), lifecycle.served(), rate,
                    cause.name().toLowerCase(Locale.ROOT), quotaFor10m));
        }
    }

    /** @return the lifecycle */
    public ReplicaLifecycle lifecycle() {
        return lifecycle;
    }

    /** @return the leak report, when enabled */
    public Optional<LeakReport> leakReport() {
        return leakReport;
    }

    /** @return the self-evictor, in evict mode */
    public Optional<Evictor> evictor() {
        return evictor;
    }

    /** @return whether this replica's rotation will meet Kubernetes' restart back-off */
    public boolean backoffRisk() {
        return backoffRisk;
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        // the replica is leaving: its fleet rotation slot is free for the next one (Redis is
        // closed after this, in reverse order of creation)
        lifecycle.gate().release();
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failed to close a rotation part: " + e.getMessage(), e);
            }
        }
    }
}
