package dev.rotor.lifecycle;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When a due trigger may start the drain: emergencies at once; every other trigger only once
 * the replica is past its minimum lifetime and holds a fleet rotation slot, or, refused a slot,
 * once it is past the trigger's ceiling and has waited as long as any slot holder keeps one.
 * The policy, apart from the state machine that acts on it ({@link ReplicaLifecycle}).
 */
final class TriggerPolicy {
    private static final System.Logger LOG = System.getLogger(ReplicaLifecycle.class.getName());
    /** {@link #slotWaitStartNanos} before any refusal (a nanoTime reading is never this far back). */
    private static final long NOT_WAITING = Long.MIN_VALUE;

    /**
     * A trigger that may start the drain now.
     *
     * @param cause     its cause
     * @param emergency whether it skipped the minimum lifetime and the lease
     * @param reason    the phrase for the log, ending in ';'
     */
    record Due(RotationCause cause, boolean emergency, String reason) {
    }

    private final String id;
    private final LifecycleConfig config;
    private final List<RotationTrigger> triggers;
    private final RotationGate gate;
    private final LongSupplier nanoClock;
    private final AtomicLong slotRefusals = new AtomicLong();
    private volatile boolean waitingForMinLifetime;
    /** When this replica was first refused a rotation slot; {@link #NOT_WAITING} before. */
    private volatile long slotWaitStartNanos = NOT_WAITING;

    TriggerPolicy(String id, LifecycleConfig config, List<RotationTrigger> triggers, RotationGate gate,
                  LongSupplier nanoClock) {
        this.id = id;
        this.config = config;
        this.triggers = List.copyOf(triggers);
        this.gate = gate;
        this.nanoClock = nanoClock;
    }

    /**
     * @param lifecycle the replica, serving
     * @return the first trigger, in order, that may start the drain now
     */
    Optional<Due> evaluate(ReplicaLifecycle lifecycle) {
        Duration age = lifecycle.age();
        for (RotationTrigger trigger : triggers) {
            Optional<String> reason = trigger.due(lifecycle);
            if (reason.isEmpty()) {
                continue;
            }
            if (trigger.emergency()) {
                return Optional.of(new Due(trigger.cause(), true,
                                           reason.get() + "; (emergency: no minimum lifetime, no slot needed);"));
            }
            if (age.compareTo(config.minLifetime()) < 0) {
                if (!waitingForMinLifetime) {
                    waitingForMinLifetime = true;
                    LOG.log(Level.INFO, "replica " + id + " " + reason.get() + " before its minimum lifetime "
                            + config.minLifetime() + "; it keeps serving for another "
                            + ReplicaLifecycle.human(config.minLifetime().minus(age)));
                }
                continue;
            }
            if (gate.tryAcquire(trigger.cause())) {
                return Optional.of(new Due(trigger.cause(), false, reason.get() + ";"));
            }
            slotRefusals.incrementAndGet();
            long now = nanoClock.getAsLong();
            if (slotWaitStartNanos == NOT_WAITING) {
                slotWaitStartNanos = now;
                LOG.log(Level.INFO, "replica " + id + " " + reason.get() + " but the fleet's rotation slots "
                        + "are taken; it keeps serving and retries (ceiling x" + config.rotationCeiling()
                        + ", after waiting at least " + gate.longestHold() + ")");
            }
            // the ceiling counts only once the replica has waited as long as any holder keeps a
            // slot: under heavy load a quota's multiple comes in well under a second (and during
            // the minimum lifetime), and every replica past it would drain together, which is
            // what the lease is there to prevent
            Duration waited = Duration.ofNanos(now - slotWaitStartNanos);
            if (trigger.pastCeiling(lifecycle) && waited.compareTo(gate.longestHold()) >= 0) {
                return Optional.of(new Due(trigger.cause(), false, reason.get() + "; past its ceiling, "
                        + ReplicaLifecycle.human(waited) + " without a rotation slot;"));
            }
        }
        return Optional.empty();
    }

    long slotRefusals() {
        return slotRefusals.get();
    }

    RotationGate gate() {
        return gate;
    }
}
