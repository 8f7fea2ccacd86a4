package dev.rotor.redis;

/**
 * States of the Redis circuit breaker.
 */
public enum CircuitState {
    /** Calls go to Redis. */
    CLOSED,
    /** Redis failed repeatedly: calls fail at once without touching the network. */
    OPEN,
    /** The open period is over: one probe call finds out whether Redis is back. */
    HALF_OPEN
}
