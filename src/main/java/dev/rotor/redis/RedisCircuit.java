package dev.rotor.redis;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A consecutive-failure circuit breaker. {@code failureThreshold} failures in a row open it;
 * while open every call is refused without touching the network; after {@code openFor}
 * exactly one probe is let through (half-open), whose success closes the circuit and whose
 * failure opens it again. One WARN per transition, never one per request. It also adds up
 * the time spent open or half-open, which is the time the replica ran on its local fallback.
 */
public final class RedisCircuit {
    private static final System.Logger LOG = System.getLogger(RedisCircuit.class.getName());

    private final int failureThreshold;
    private final long openForNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<CircuitState> state = new AtomicReference<>(CircuitState.CLOSED);
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong openedAt = new AtomicLong();
    private final AtomicLong transitions = new AtomicLong();
    /** When the circuit last left CLOSED; meaningful while it is not CLOSED. */
    private final AtomicLong fallbackSince = new AtomicLong();
    private final AtomicLong fallbackNanos = new AtomicLong();

    /**
     * @param failureThreshold failures in a row that open the circuit
     * @param openFor          how long to refuse before probing
     * @param nanoClock        monotonic clock
     */
    public RedisCircuit(int failureThreshold, Duration openFor, LongSupplier nanoClock) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failure-threshold must be at least 1, got " + failureThreshold);
        }
        this.failureThreshold = failureThreshold;
        this.openForNanos = openFor.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * @return whether a call may go to Redis now; in half-open, only the first caller gets {@code true}
     */
    public boolean tryAcquire() {
        CircuitState s = state.get();
        if (s == CircuitState.CLOSED) {
            return true;
        }
        if (s == CircuitState.OPEN && nanoClock.getAsLong() - openedAt.get() >= openForNanos) {
            // exactly one caller wins the move to half-open and becomes the probe
            return move(CircuitState.OPEN, CircuitState.HALF_OPEN, "open for " + Duration.ofNanos(openForNanos)
                    + "; probing Redis with one call");
        }
        return false;
    }

    /**
     * A call succeeded.
     */
    public void onSuccess() {
        consecutiveFailures.set(0);
        if (state.get() != CircuitState.CLOSED) {
            move(state.get(), CircuitState.CLOSED, "Redis answered again; shared mode resumes");
        }
    }

    /**
     * A call failed.
     *
     * @param cause what went wrong
     */
    public void onFailure(Throwable cause) {
        int failures = consecutiveFailures.incrementAndGet();
        CircuitState s = state.get();
        if (s == CircuitState.HALF_OPEN || (s == CircuitState.CLOSED && failures >= failureThreshold)) {
            openedAt.set(nanoClock.getAsLong());
            move(s, CircuitState.OPEN, failures + " failure(s) in a row, last: " + describe(cause)
                    + "; local fallback for " + Duration.ofNanos(openForNanos));
        }
    }

    /** @return current state */
    public CircuitState state() {
        return state.get();
    }

    /**
     * @return time spent on the local fallback (circuit open or half-open) since the circuit was
     *         built, the current stretch included
     */
    public Duration fallbackTime() {
        long total = fallbackNanos.get();
        if (state.get() != CircuitState.CLOSED) {
            total += nanoClock.getAsLong() - fallbackSince.get();
        }
        return Duration.ofNanos(total);
    }

    /** @return how many transitions happened (for tests and metrics) */
    public long transitions() {
        return transitions.get();
    }

    private boolean move(CircuitState from, CircuitState to, String why) {
        if (!state.compareAndSet(from, to)) {
            return false;
        }
        transitions.incrementAndGet();
        String stretch = "";
        if (from == CircuitState.CLOSED) {
            fallbackSince.set(nanoClock.getAsLong());
        } else if (to == CircuitState.CLOSED) {
            long took = nanoClock.getAsLong() - fallbackSince.get();
            fallbackNanos.addAndGet(took);
            stretch = " after " + Duration.ofNanos(took).toMillis() + " ms on the local fallback";
        }
        LOG.log(to == CircuitState.CLOSED ? Level.INFO : Level.WARNING,
                "Redis circuit " + from + " -> " + to + ": " + why + stretch);
        return true;
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
