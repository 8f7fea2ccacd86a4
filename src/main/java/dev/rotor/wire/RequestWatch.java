package dev.rotor.wire;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

/**
 * One admitted request under its deadline. Whoever ends it first wins: the handler returning
 * ({@link #finished()}) or the watchdog timing it out ({@link #timeOut()}). A request timed out
 * while its handler still runs is stuck until that handler returns, if ever.
 *
 * <p>One per admitted request, so it is one object: its state is a field updated in place,
 * not an atomic of its own, and its connection a field that may be null, not an optional.
 * Its start is the watchdog's first look at it ({@link #stamp}), not a clock read by the
 * request's thread: the deadline counts from at most one tick after admission.
 */
public final class RequestWatch {
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;
    private static final int STUCK_RETURNED = 3;

    private static final AtomicIntegerFieldUpdater<RequestWatch> STATE =
            AtomicIntegerFieldUpdater.newUpdater(RequestWatch.class, "state");

    /** What {@link #startNanos} is until the watchdog has seen the request. */
    static final long UNSTAMPED = Long.MIN_VALUE;

    /** Written by the watchdog only; read by it and by {@code Wire#inFlightSummary}. */
    private volatile long startNanos = UNSTAMPED;
    /** The connection whose thread runs it; null for a request served off its connection's thread. */
    private final ConnectionWatch connection;
    private final Runnable release;
    private final BooleanSupplier responseSent;
    private volatile int state = RUNNING;

    RequestWatch(ConnectionWatch connection, Runnable release, BooleanSupplier responseSent) {
        this.connection = connection;
        this.release = release;
        this.responseSent = responseSent;
    }

    /** @return when the watchdog first saw it; {@link #UNSTAMPED} before */
    long startNanos() {
        return startNanos;
    }

    /**
     * The watchdog sees the request for the first time: its deadline counts from now.
     *
     * @param nowNanos the watchdog's clock
     */
    void stamp(long nowNanos) {
        startNanos = nowNanos == UNSTAMPED ? nowNanos + 1 : nowNanos;
    }

    Optional<ConnectionWatch> connection() {
        return Optional.ofNullable(connection);
    }

    /** @return the connection whose thread runs it, or null (see {@link #connection()}) */
    ConnectionWatch connectionOrNull() {
        return connection;
    }

    boolean responseSent() {
        return responseSent.getAsBoolean();
    }

    /** @return whether the watchdog won the request (it was still running) */
    boolean timeOut() {
        if (STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
            release.run();
            return true;
        }
        return false;
    }

    /**
     * The handler returned.
     *
     * @return whether it had been timed out (so it was stuck until now)
     */
    boolean finished() {
        if (STATE.compareAndSet(this, RUNNING, DONE)) {
            return false;
        }
        return STATE.compareAndSet(this, TIMED_OUT, STUCK_RETURNED);
    }

    void release() {
        release.run();
    }

    /** @return whether the watchdog timed it out */
    public boolean timedOut() {
        int s = state;
        return s == TIMED_OUT || s == STUCK_RETURNED;
    }
}
