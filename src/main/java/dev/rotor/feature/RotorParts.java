package dev.rotor.feature;

import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import dev.rotor.adapter.LifecycleMetrics;
import dev.rotor.adapter.RotationMetrics;
import dev.rotor.admission.Admission;
import dev.rotor.departure.Departure;
import dev.rotor.departure.StopSignals;
import dev.rotor.lifecycle.Handover;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.RotationGate;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.observe.ObserveGate;
import dev.rotor.redis.RedisMetrics;
import dev.rotor.redis.SharedRedis;
import dev.rotor.wire.Wire;
import dev.rotor.worker.WorkerHandover;

import io.helidon.metrics.api.MeterRegistry;

/**
 * What the feature opens, in order, and closes in reverse: the stop signals' handlers, Redis,
 * the wire, the rotation, departure, admission and the door to {@code /observe}, each with its
 * meters. Opened once per replica by {@link RotorFeature#open()}; the application's own parts
 * join the same stack ({@link #closeWhenLeaving}) so that they close before the ones they use.
 */
final class RotorParts {
    private static final System.Logger LOG = System.getLogger(RotorParts.class.getName());

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final MeterRegistry registry;
    private final Optional<StopSignals> signals;
    private final Optional<SharedRedis> redis;
    private final Wire wire;
    private final Rotation rotation;
    private final Departure departure;
    private final Admission admission;
    private final ObserveGate observeGate;

    /**
     * @param config        the feature's settings
     * @param registry      where every part registers its meters
     * @param nanoClock     monotonic clock for every part
     * @param wallClock     wall clock for every part
     * @param exit          ends the process with a status
     * @param handleSignals whether SIGTERM and SIGINT start the drain
     */
    RotorParts(RotorConfig config, MeterRegistry registry, LongSupplier nanoClock, Clock wallClock, IntConsumer exit,
               boolean handleSignals) {
        this.registry = registry;
        String id = config.id();
        // first: from here on a stop signal is kept and answered with the drain once the replica
        // serves, instead of the JVM's default (exit 143 at once)
        this.signals = handleSignals ? Optional.of(StopSignals.install()) : Optional.empty();
        LOG.log(Level.INFO, "replica " + id + " rotation settings: " + config.describe());
        try {
            this.redis = config.redis().enabled()
                    ? Optional.of(new SharedRedis(config.redis(), nanoClock)) : Optional.empty();
            if (redis.isPresent()) {
                closeables.push(redis.get());
                closeables.push(new RedisMetrics(registry, redis.get()));
            } else {
                LOG.log(Level.INFO, "no REDIS_URL or REDIS_SENTINELS: this replica shares nothing with others; "
                        + "everything that would live in Redis is local to it");
            }
            this.wire = new Wire(config.wire(), Wire.openFileLimit(), nanoClock, registry);
            closeables.push(wire);
            Handover handover = Handover.NONE;
            RotationGate oneHandoverAtATime = RotationGate.OPEN;
            if (config.worker().supervised()) {
                WorkerHandover workerHandover = new WorkerHandover(config.worker(), ProcessHandle.current().pid());
                handover = workerHandover;
                oneHandoverAtATime = workerHandover.lock();
            }
            this.rotation = Rotation.build(id, config.lifecycle(), config.departure().leaving(), config.fleet(), redis,
                                           new Triggers.StuckWork(wire::stuck, config.wire().stuckLimit()), handover,
                                           oneHandoverAtATime, new SecureRandom(), nanoClock, wallClock);
            closeables.push(rotation);
            ReplicaLifecycle lifecycle = rotation.lifecycle();
            this.departure = new Departure(config.departure(), lifecycle, () -> {
                close();
                rotation.afterServing();
            }, exit);
            closeables.push(departure);
            lifecycle.onDrain(departure::drainStarted);
            lifecycle.onExpiry(departure::leave);
            closeables.push(new LifecycleMetrics(registry, lifecycle));
            closeables.push(new RotationMetrics(registry, lifecycle, departure::backoffRisk, departure.evictor()));
            this.admission = Admission.start(config.admission(), redis, id, config.fleet().redisNamespace(), registry,
                                             wallClock, wire);
            closeables.push(admission);
            // a request admission lets in is in flight while it holds its permit: one count for both
            lifecycle.countPermits(admission.permitsHeld());
            this.observeGate = new ObserveGate(config.observe(), config.web().adminPort().isPresent(), lifecycle::started,
                                               lifecycle::ready, lifecycle::live, registry);
            closeables.push(observeGate);
            LOG.log(Level.INFO, "replica " + id + " " + observeGate.describe());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Close this part when the replica leaves, before the ones opened earlier.
     *
     * @param part a part built over these
     */
    void closeWhenLeaving(AutoCloseable part) {
        closeables.push(part);
    }

    /** Close every part in reverse order of opening; what fails to close is logged and passed over. */
    void close() {
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failed to close " + c + ": " + e.getMessage(), e);
            }
        }
    }

    MeterRegistry registry() {
        return registry;
    }

    Optional<StopSignals> signals() {
        return signals;
    }

    Optional<SharedRedis> redis() {
        return redis;
    }

    Wire wire() {
        return wire;
    }

    Rotation rotation() {
        return rotation;
    }

    Departure departure() {
        return departure;
    }

    Admission admission() {
        return admission;
    }

    ObserveGate observeGate() {
        return observeGate;
    }
}
