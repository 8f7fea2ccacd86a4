package dev.rotor.admission;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * What an admitted request holds: its concurrency permit. Released exactly once, by the
 * handler returning or by the request deadline, whichever comes first. The request is in
 * flight for as long as it holds it: the lifecycle reads the permits held as its requests in
 * flight ({@code ReplicaLifecycle#countPermits}), so admission, the drain and
 * {@code /observe/replica} always agree on what is in flight.
 *
 * <p>One compare-and-set on a field of the permit itself, not an atomic object of its own:
 * every public request takes one.
 */
public final class Permit {
    private static final AtomicIntegerFieldUpdater<Permit> RELEASED =
            AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");

    private final Runnable release;
    private volatile int released;

    /**
     * @param release gives the concurrency permit back
     */
    public Permit(Runnable release) {
        this.release = release;
    }

    /** Give the permit back; only the first call acts. */
    public void release() {
        if (RELEASED.compareAndSet(this, 0, 1)) {
            release.run();
        }
    }
}
