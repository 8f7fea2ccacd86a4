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
 * The policy, apart from the state machine that acts on it.
 */
final class TriggerPolicy {
    /** The replica's story is told under one logger name, the state machine's. */
    private static final System.Logger LOG = System.getLogger(TriggerPolicy.class.getPackageName() + ".ReplicaLifecycle");
    /** {@link #slotWaitStartNanos} before any refusal (a nanoTime reading is never this far back). */
    private static final long NOT_WAITING = Long.MIN_VALUE;

    /**
     * A trigger whose decision may start the drain now.
     *
     * @param decision  what the trigger decided
     * @param emergency whether it skipped the minimum lifetime and the lease
     * @param reason    the phrase for the log, ending in ';'
     */
    record Due(Decision decision, boolean emergency, String reason) {
        RotationCause cause() {
            return decision.cause();
        }
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

    TriggerPolicy(String id, LifecycleConfig config, Triggers triggers, RotationGate gate,
                  LongSupplier nanoClock) {
        this.id = id;
        this.config = config;
        this.triggers = triggers.ordered();
        this.gate = gate;
        this.nanoClock = nanoClock;
    }

    /**
     * @param replica the replica's counts and age, serving
     * @return the first trigger, in order, that may start the drain now
     */
    Optional<Due> evaluate(ReplicaView replica) {
        Duration age = replica.age();
        for (RotationTrigger trigger : triggers) {
            Decision decision = trigger.decide(replica);
            if (!decision.due()) {
                continue;
            }
            String reason = reason(decision, replica);
            if (trigger.emergency()) {
                return Optional.of(new Due(decision, true,
                                           reason + "; (emergency: no minimum lifetime, no slot needed);"));
            }
            if (age.compareTo(config.minLifetime()) < 0) {
                if (!waitingForMinLifetime) {
                    waitingForMinLifetime = true;
                    LOG.log(Level.INFO, "replica " + id + " " + reason + " before its minimum lifetime "
                            + config.minLifetime() + "; it keeps serving for another "
                            + Durations.human(config.minLifetime().minus(age)));
                }
                continue;
            }
            if (gate.tryAcquire(trigger.cause())) {
                return Optional.of(new Due(decision, false, reason + ";"));
            }
            slotRefusals.incrementAndGet();
            long now = nanoClock.getAsLong();
            if (slotWaitStartNanos == NOT_WAITING) {
                slotWaitStartNanos = now;
                LOG.log(Level.INFO, "replica " + id + " " + reason + " but the fleet's rotation slots "
                        + "are taken; it keeps serving and retries (ceiling x" + config.rotationCeiling()
                        + ", after waiting at least " + gate.longestHold() + ")");
            }
            // the ceiling counts only once the replica has waited as long as any holder keeps a
            // slot: under heavy load a quota's multiple comes in well under a second (and during
            // the minimum lifetime), and every replica past it would drain together, which is
            // what the lease is there to prevent
            Duration waited = Duration.ofNanos(now - slotWaitStartNanos);
            if (decision.pastCeiling() && waited.compareTo(gate.longestHold()) >= 0) {
                return Optional.of(new Due(decision, false, reason + "; past its ceiling, "
                        + Durations.human(waited) + " without a rotation slot;"));
            }
        }
        return Optional.empty();
    }

    /**
     * @param d       a due decision
     * @param replica the replica it was made about
     * @return the words for the log, e.g. {@code reached its quota (873 of 873 requests in 9m12s)}
     */
    static String reason(Decision d, ReplicaView replica) {
        return switch (d.cause()) {
            case QUOTA -> "reached its quota (" + d.reached() + " of " + d.bound() + " requests in "
                    + Durations.human(replica.age()) + ")";
            case AGE -> "reached its maximum lifetime (" + Durations.human(Duration.ofMillis(d.bound())) + ", "
                    + replica.served() + " requests served)";
            case STUCK -> "has " + d.reached() + " requests stuck past the request timeout (limit " + d.bound() + ", "
                    + replica.served() + " requests served)";
            case HEAP -> "old generation stayed at " + d.reached() + "% of its maximum after its last collections, each above the bound ("
                    + d.bound() + "%, " + replica.served() + " requests served)";
            case CONTAINER_MEMORY -> "container working set reached "
                    + Math.round(100.0 * d.reached() / Math.max(1, d.bound())) + "% of its memory limit ("
                    + (d.reached() >> 20) + " of " + (d.bound() >> 20) + " MiB, " + replica.served() + " requests served)";
            case SIGNAL -> "was asked to stop";
        };
    }

    long slotRefusals() {
        return slotRefusals.get();
    }

    RotationGate gate() {
        return gate;
    }
}
