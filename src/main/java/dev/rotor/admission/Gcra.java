package dev.rotor.admission;

/**
 * The generic cell rate algorithm: per client, one number, the theoretical arrival time
 * ({@code tat}) of its next request. With {@code limit} requests per window, each request
 * moves {@code tat} on by {@code interval = window / limit}; a request is allowed while
 * {@code tat} stays within {@code limit * interval} of now. The state is one timestamp per
 * client, a decision is a few arithmetic steps, and a client idle for a whole window is in
 * exactly the state of a client never seen (so state may be dropped then).
 *
 * <p>{@code rate_lease.lua} is the same arithmetic, run inside Redis. All times are
 * microseconds.
 */
final class Gcra {
    private Gcra() {
    }

    /**
     * @param allowed          whether the request may proceed
     * @param tat              the client's new theoretical arrival time (unchanged when rejected)
     * @param remaining        requests still allowed at once
     * @param resetMicros      until the full allowance is back
     * @param retryAfterMicros until the next request would be allowed; 0 when allowed
     */
    record Outcome(boolean allowed, long tat, long remaining, long resetMicros, long retryAfterMicros) {
    }

    /**
     * @param storedTat the client's stored tat, or {@code Long.MIN_VALUE} when none
     * @param now       now
     * @param interval  window / limit
     * @param limit     requests per window
     * @return the decision and the new tat
     */
    static Outcome decide(long storedTat, long now, long interval, long limit) {
        long tat = Math.max(storedTat, now);
        long newTat = tat + interval;
        long allowAt = newTat - interval * limit;
        if (now < allowAt) {
            return new Outcome(false, storedTat, 0, tat - now, allowAt - now);
        }
        long remaining = (interval * limit - (newTat - now)) / interval;
        return new Outcome(true, newTat, remaining, newTat - now, 0);
    }
}
