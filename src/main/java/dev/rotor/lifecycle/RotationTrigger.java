package dev.rotor.lifecycle;

/**
 * One reason a serving replica should rotate. The lifecycle asks every trigger on each tick,
 * showing it a {@link ReplicaView}; the answer is a {@link Decision}. Ordinary triggers (quota,
 * age) wait for the minimum lifetime and for a fleet rotation slot (up to their ceiling);
 * emergency triggers (memory, stuck work) drain at once. Every trigger is built in one place,
 * {@link Triggers}.
 */
public interface RotationTrigger {
    /** @return the cause this trigger reports */
    RotationCause cause();

    /** @return whether it overrides the minimum lifetime and the fleet lease */
    boolean emergency();

    /**
     * @param replica the replica's counts and age, this tick
     * @return whether rotation is due, and the measurement behind it
     */
    Decision decide(ReplicaView replica);
}
