package dev.rotor.lifecycle;

/**
 * What one trigger says on one tick, as a value (like bucket4j's consumption probe): whether the
 * replica should rotate, whether it is so far past the trigger that it may rotate without a fleet
 * slot, and the measurement behind it. The words for the log are made by whoever acts on it
 * ({@link TriggerPolicy}).
 *
 * @param cause       the trigger's cause
 * @param due         whether the replica should rotate
 * @param pastCeiling whether it is past the trigger's ceiling (rotates without a fleet slot)
 * @param reached     the measurement, in the trigger's unit: requests served (quota), milliseconds
 *                    of age (age), stuck handlers (stuck), percent of the old generation after
 *                    collection (heap), bytes of working set (container memory)
 * @param bound       what it is held against, in the same unit: the quota, the drawn lifetime,
 *                    the stuck limit, the percent bound, the container's memory limit
 */
public record Decision(RotationCause cause, boolean due, boolean pastCeiling, long reached, long bound) {
    /**
     * @param cause the trigger's cause
     * @return a decision that rotation is not due
     */
    public static Decision notDue(RotationCause cause) {
        return new Decision(cause, false, false, 0, 0);
    }

    /**
     * @param cause   the trigger's cause
     * @param reached the measurement
     * @param bound   what it is held against
     * @return a decision that rotation is due, not past any ceiling
     */
    public static Decision due(RotationCause cause, long reached, long bound) {
        return new Decision(cause, true, false, reached, bound);
    }
}
