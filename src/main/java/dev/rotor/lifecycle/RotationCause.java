package dev.rotor.lifecycle;

/**
 * Why a replica started to drain.
 */
public enum RotationCause {
    /** It served its quota of public requests. */
    QUOTA,
    /** It reached its maximum lifetime. */
    AGE,
    /** Old-generation heap after garbage collection stayed above its bound. */
    HEAP,
    /** The container's working set neared its memory limit (native leaks the heap never shows). */
    CONTAINER_MEMORY,
    /** Handlers stuck past the request timeout reached the stuck limit. */
    STUCK,
    /** It was asked to stop (SIGTERM or SIGINT). */
    SIGNAL
}
