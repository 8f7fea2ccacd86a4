package dev.rotor.admission;

import java.util.Arrays;
import java.util.Optional;
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
    /**
     * The permit of the request running on this thread, for the filters after admission. Helidon
     * runs a request's filters and route on one thread, one call inside the other, so this is
     * set around that call and nothing else; it replaces the request's context, which Helidon
     * creates on first use (an id string and a registry with a lock), about 4% of a banner
     * request's CPU when only this handoff needed it.
     */
    private static final ThreadLocal<Permit> HELD = new ThreadLocal<>();

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

    /**
     * Run the rest of the request with this permit visible to {@link #held()} on this thread.
     *
     * @param rest the filters and route after admission
     */
    public void holdDuring(Runnable rest) {
        Permit outer = HELD.get();
        HELD.set(this);
        try {
            rest.run();
        } finally {
            // set, not remove: the entry stays for the connection's next request (its thread lives
            // as long as the connection), and re-inserting a removed entry sweeps the map each time
            HELD.set(outer);
        }
    }

    /** @return the permit of the request this thread is running, when admission gave it one */
    public static Optional<Permit> held() {
        return Optional.ofNullable(HELD.get());
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
