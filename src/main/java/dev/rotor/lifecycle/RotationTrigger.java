package dev.rotor.lifecycle;

import java.util.Optional;

/**
 * One reason a serving replica should rotate. The lifecycle asks every trigger on each tick.
 * Ordinary triggers (quota, age) wait for the minimum lifetime and for a fleet rotation slot
 * (up to their ceiling); emergency triggers (memory) drain at once.
 */
public interface RotationTrigger {
    /** @return the cause this trigger reports */
    RotationCause cause();

    /** @return whether it overrides the minimum lifetime and the fleet lease */
    boolean emergency();

    /**
     * @param lifecycle the replica's lifecycle
     * @return a phrase for the log when rotation is due, e.g. {@code reached its quota (873 of 873 requests in 9m12s)}
     */
    Optional<String> due(ReplicaLifecycle lifecycle);

    /**
     * @param lifecycle the replica's lifecycle
     * @return whether the replica is so far past the trigger that it rotates without a fleet slot
     */
    default boolean pastCeiling(ReplicaLifecycle lifecycle) {
        return false;
    }
}
