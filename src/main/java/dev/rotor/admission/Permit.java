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
 * each on one field of the permit itself: no action added yet, the one action added (nearly
 * always the only one: the lifecycle's count), an array of them, or released.
 */
public final class Permit {
    private static final Object RELEASED = new Object();
    private static final AtomicReferenceFieldUpdater<Permit, Object> ADDED =
            AtomicReferenceFieldUpdater.newUpdater(Permit.class, Object.class, "added");

    private final Runnable release;
    /** null, a Runnable, a Runnable[] or {@link #RELEASED}. */
    private volatile Object added;

    /**
     * @param release gives the concurrency permit back
     */
    public Permit(Runnable release) {
        this.release = release;
    }

    /**
     * Run {@code action} when the permit is released (at once if it already was).
     *
     * @param action what to undo
     */
    public void onRelease(Runnable action) {
        while (true) {
            Object now = added;
            if (now == RELEASED) {
                action.run();
                return;
            }
            Object more;
            if (now == null) {
                more = action;
            } else if (now instanceof Runnable one) {
                more = new Runnable[] {one, action};
            } else {
                Runnable[] all = (Runnable[]) now;
                Runnable[] grown = Arrays.copyOf(all, all.length + 1);
                grown[all.length] = action;
                more = grown;
            }
            if (ADDED.compareAndSet(this, now, more)) {
                return;
            }
        }
    }

    /** Give the permit back; only the first call acts. */
    public void release() {
        Object all = ADDED.getAndSet(this, RELEASED);
        if (all == RELEASED) {
            return;
        }
        release.run();
        if (all instanceof Runnable one) {
            one.run();
        } else if (all != null) {
            for (Runnable action : (Runnable[]) all) {
                action.run();
            }
        }
    }
}
