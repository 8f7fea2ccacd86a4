package dev.rotor.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What an admitted request holds: its concurrency permit, and whatever else counts it as in
 * flight (the lifecycle adds itself with {@link #onRelease}). Released exactly once, by the
 * handler returning or by the request deadline, whichever comes first, so that admission,
 * the drain and {@code /observe/replica} always agree on what is in flight.
 */
public final class Permit {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Runnable> onRelease = new ArrayList<>(2);
    private boolean released;

    /**
     * @param release gives the concurrency permit back
     */
    public Permit(Runnable release) {
        onRelease.add(release);
    }

    /**
     * Run {@code action} when the permit is released (at once if it already was).
     *
     * @param action what to undo
     */
    public void onRelease(Runnable action) {
        lock.lock();
        try {
            if (!released) {
                onRelease.add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        action.run();
    }

    /** Give the permit back; only the first call acts. */
    public void release() {
        List<Runnable> actions;
        lock.lock();
        try {
            if (released) {
                return;
            }
            released = true;
            actions = List.copyOf(onRelease);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }
}
