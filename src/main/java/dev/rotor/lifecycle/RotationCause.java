package dev.rotor.lifecycle;

/**
 * Why a replica started to drain.
 */
public enum RotationCause {
    /** It served its quota of public requests. */
    QUOTA,
    /** It was asked to stop (SIGTERM or SIGINT). */
    SIGNAL
}
