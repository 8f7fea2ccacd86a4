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

    /**
     * The replica's successor already serves in its place (a worker replaced in place, on the
     * same port): capacity never dropped, so nothing is left for a slot to cover and the fleet's
     * slot is free at once, without the hold a leaving replica keeps for its replacement's start.
     * A gate that also bounds what runs at once in the container (its memory: the old JVM still
     * answers what it accepted) keeps its part until {@link #release()}. By default nothing
     * happens here and {@link #release()} frees everything later.
     */
    default void handedOver() {
    }

    /**
     * @param first  asked first (the container's own gate: cheap, local)
     * @param second asked only once the first admitted (the fleet's lease)
     * @return a gate that admits when both do; a refusal by the second gives the first back
     */
    static RotationGate both(RotationGate first, RotationGate second) {
        return new RotationGate() {
            @Override
            public boolean tryAcquire(RotationCause cause) {
                if (!first.tryAcquire(cause)) {
                    return false;
                }
                if (second.tryAcquire(cause)) {
                    return true;
                }
                first.release();
                return false;
            }

            @Override
            public java.time.Duration longestHold() {
                java.time.Duration a = first.longestHold();
                java.time.Duration b = second.longestHold();
                return a.compareTo(b) >= 0 ? a : b;
            }

            @Override
            public void handedOver() {
                second.handedOver();
                first.handedOver();
            }

            @Override
            public void release() {
                second.release();
                first.release();
            }
        };
    }
}
