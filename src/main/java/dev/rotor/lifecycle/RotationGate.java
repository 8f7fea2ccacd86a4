package dev.rotor.lifecycle;

/**
 * Admits a replica into draining. With Redis it is a fleet-wide lease that bounds how many
 * replicas of a service drain at once; without it every replica may drain (jitter alone).
 */
public interface RotationGate {
    /** A gate that always admits. */
    RotationGate OPEN = new RotationGate() {
        @Override
        public boolean tryAcquire(RotationCause cause) {
            return true;
        }

        @Override
        public void release() {
        }
    };

    /**
     * @param cause why the replica wants to drain
     * @return whether it may drain now; callers retry later when refused
     */
    boolean tryAcquire(RotationCause cause);

    /**
     * @return the longest a slot stays taken by one holder (the lease's TTL): a replica refused
     *         a slot waits at least this long before its ceiling lets it rotate without one
     */
    default java.time.Duration longestHold() {
        return java.time.Duration.ZERO;
    }

    /**
     * Give the slot back (the replica is leaving: its replacement is on its way). Called once
     * Kubernetes accepts a self-eviction and again at shutdown; calls after the first do nothing.
     */
    void release();
}
