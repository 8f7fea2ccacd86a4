package dev.rotor.admission;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What an admitted request holds: its concurrency permit, and whatever else counts it as in
 * flight (the lifecycle adds itself with {@link #onRelease}). Released exactly once, by the
 * handler returning or by the request deadline, whichever comes first, so that admission,
 * the drain and {@code /observe/replica} always agree on what is in flight.
 *
 * <p>Lock-free: every public request takes one, so adding and releasing are one compare-and-set
 * each on an array of the undo actions ({@code null} once released).
 */
public final class Permit {
    private final AtomicReference<Runnable[]> onRelease;

    /**
     * @param release gives the concurrency permit back
     */
    public Permit(Runnable release) {
        onRelease = new AtomicReference<>(new Runnable[] {release});
    }

    /**
     * Run {@code action} when the permit is released (at once if it already was).
     *
     * @param action what to undo
     */
    public void onRelease(Runnable action) {
        while (true) {
            Runnable[] actions = onRelease.get();
            if (actions == null) {
                action.run();
                return;
            }
            Runnable[] more = Arrays.copyOf(actions, actions.length + 1);
            more[actions.length] = action;
            if (onRelease.compareAndSet(actions, more)) {
                return;
            }
        }
    }

    /** Give the permit back; only the first call acts. */
    public void release() {
        Runnable[] actions = onRelease.getAndSet(null);
        if (actions != null) {
            for (Runnable action : actions) {
                action.run();
            }
        }
    }
}
