package dev.rotor.lifecycle;

/**
 * Where a replica is in its life. Only ever moves forward.
 */
public enum ReplicaState {
    /** Server, pools and checks not ready yet: the startup probe is down. */
    STARTING,
    /** Ready and live; public requests count toward the quota. */
    SERVING,
    /** Readiness down so load balancers stop sending; arriving requests are still served. */
    DRAINING,
    /** Drained: the exit mode decides how the replica leaves. */
    EXPIRED
}
