package dev.rotor.departure;

/**
 * How an expired replica leaves.
 */
public enum ExitMode {
    /** Liveness turns 503 and the orchestrator restarts the container (Kubernetes). */
    LIVENESS,
    /** The process stops its server and exits, for orchestrators that act on exits (compose, Render). */
    EXIT,
    /**
     * The pod asks the Kubernetes Eviction API to evict it: the ReplicaSet makes a fresh pod, with
     * no restart back-off, and PodDisruptionBudgets are respected. Falls back to {@link #LIVENESS}.
     */
    EVICT
}
