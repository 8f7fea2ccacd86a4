package dev.rotor.wire;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * One admitted request under its deadline. Whoever ends it first wins: the handler returning
 * ({@link #finished()}) or the watchdog timing it out ({@link #timeOut()}). A request timed out
 * while its handler still runs is stuck until that handler returns, if ever.
 */
public final class RequestWatch {
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;
    private static final int STUCK_RETURNED = 3;

    private final long startNanos;
    private final Optional<ConnectionWatch> connection;
    private final Runnable release;
    private final BooleanSupplier responseSent;
    private final AtomicInteger state = new AtomicInteger(RUNNING);

    RequestWatch(long startNanos, Optional<ConnectionWatch> connection, Runnable release, BooleanSupplier responseSent) {
        this.startNanos = startNanos;
        this.connection = connection;
        this.release = release;
        this.responseSent = responseSent;
    }

    long startNanos() {
        return startNanos;
    }

    Optional<ConnectionWatch> connection() {
        return connection;
    }

    boolean responseSent() {
        return responseSent.getAsBoolean();
    }

    /** @return whether the watchdog won the request (it was still running) */
    boolean timeOut() {
        if (state.compareAndSet(RUNNING, TIMED_OUT)) {
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
        if (state.compareAndSet(RUNNING, DONE)) {
            return false;
        }
        return state.compareAndSet(TIMED_OUT, STUCK_RETURNED);
    }

    void release() {
        release.run();
    }

    /** @return whether the watchdog timed it out */
    public boolean timedOut() {
        int s = state.get();
        return s == TIMED_OUT || s == STUCK_RETURNED;
    }
}
