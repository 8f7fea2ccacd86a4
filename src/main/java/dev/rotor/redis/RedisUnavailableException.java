package dev.rotor.redis;

/**
 * Redis could not answer: the circuit is open, no pooled connection was free in time, or
 * the command failed or timed out. Expected during outages, so it is cheap (no stack trace);
 * callers fall back to their local mode.
 */
public final class RedisUnavailableException extends RuntimeException {
    RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
