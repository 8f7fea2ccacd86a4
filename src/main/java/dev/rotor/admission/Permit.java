package dev.rotor.admission;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * What an admitted request holds: its concurrency permit, and whatever else counts it as in
 * flight (the lifecycle adds itself with {@link #onRelease}). Released exactly once, by the
 * handler returning or by the request deadline, whichever comes first, so that admission,
 * the drain and {@code /observe/replica} always agree on what is in flight.
 *
 * <p>Lock-free: every public request takes one, so adding and releasing are one compare-and-set
 * each on an array of the undo actions ({@code null} once released), a field of the permit
 * itself rather than an atomic object of its own.
 */
public final class Permit {
    private static final AtomicReferenceFieldUpdater<Permit, Runnable[]> ACTIONS =
            AtomicReferenceFieldUpdater.newUpdater(Permit.class, Runnable[].class, "actions");

    private volatile Runnable[] actions;

    /**
     * @param release gives the concurrency permit back
     */
    public Permit(Runnable release) {
        actions = new Runnable[] {release};
    }

    /**
     * Run {@code action} when the permit is released (at once if it already was).
     *
     * @param action what to undo
     */
    public void onRelease(Runnable action) {
        while (true) {
            Runnable[] now = actions;
            if (now == null) {
                action.run();
                return;
            }
            Runnable[] more = Arrays.copyOf(now, now.length + 1);
            more[now.length] = action;
            if (ACTIONS.compareAndSet(this, now, more)) {
                return;
            }
        }
    }

    /** Give the permit back; only the first call acts. */
    public void release() {
        Runnable[] all = ACTIONS.getAndSet(this, null);
        if (all != null) {
            for (Runnable action : all) {
                action.run();
            }
        }
    }
}
