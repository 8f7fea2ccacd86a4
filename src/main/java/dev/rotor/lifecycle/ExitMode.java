package dev.rotor.lifecycle;

/**
 * How an expired replica leaves.
 */
public enum ExitMode {
    /** Liveness turns 503 and the orchestrator restarts the container (Kubernetes). */
    LIVENESS,
    /** The process stops its server and exits, for orchestrators that act on exits (compose, Render). */
    EXIT
}
