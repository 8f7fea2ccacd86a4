package dev.rotor.admission;

import java.time.Duration;
import java.util.Optional;

/**
 * How many requests one client may make per window, written {@code 120/PT1M} (or {@code 120/1m}).
 * The window is also the burst: a client that was quiet for a whole window may send the
 * full limit at once, then one request every {@code window / limit}.
 *
 * @param limit  requests per window, at least 1
 * @param window the window
 */
public record RateLimit(long limit, Duration window) {
    /**
     * @param limit  requests per window
     * @param window the window
     */
    public RateLimit {
        if (limit < 1) {
            throw new IllegalArgumentException("rate limit must be at least 1 request per window, got " + limit);
        }
        if (window.toNanos() / 1000 < limit) {
            // the emission interval (window / limit) is kept in whole microseconds
            throw new IllegalArgumentException("rate limit " + limit + "/" + window
                                                       + " is finer than one request per microsecond");
        }
    }

    /**
     * @return microseconds between two requests once the burst is spent (window / limit)
     */
    public long intervalMicros() {
        return windowMicros() / limit;
    }

    /**
     * @return the window in microseconds
     */
    public long windowMicros() {
        return window.toNanos() / 1000;
    }

    /**
     * This replica's share when the replicas cannot share a count: the limit divided by the
     * number of replicas, rounded up so that a small limit never becomes zero.
     *
     * @param replicas replicas that serve the same clients
     * @return the share over the same window
     */
    public RateLimit share(int replicas) {
        long each = (limit + replicas - 1) / Math.max(1, replicas);
        return new RateLimit(Math.max(1, each), window);
    }

    /**
     * How many of a client's requests one replica leases from Redis at once: at most
     * {@code maxSlice}, and at most a quarter of the limit across all replicas together (so the
     * slices held unspent never exceed a quarter of the limit while every replica's count is
     * right), at least one.
     *
     * @param replicas replicas that share the limit
     * @param maxSlice the configured largest slice ({@code rate-limit-slice})
     * @return the slice
     */
    public int slice(int replicas, int maxSlice) {
        return (int) Math.max(1, Math.min(maxSlice, limit / (4L * Math.max(1, replicas))));
    }

    /**
     * @param text {@code N/DURATION}, or {@code 0} for no limit
     * @param durations how to read the duration part
     * @return the limit, empty for {@code 0}
     * @throws IllegalArgumentException with a sentence fragment saying what is accepted
     */
    static Optional<RateLimit> parse(String text, java.util.function.Function<String, Duration> durations) {
        String t = text.trim();
        if (t.equals("0") || t.equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        int slash = t.indexOf('/');
        if (slash < 1) {
            throw new IllegalArgumentException("must be 0 (off) or requests/window, e.g. 120/PT1M");
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, slash).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be 0 (off) or requests/window, e.g. 120/PT1M");
        }
        Duration window = durations.apply(t.substring(slash + 1).trim());
        if (window == null || window.isNegative() || window.isZero() || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("the window must be a duration from 1ms to 1 day, e.g. 120/PT1M");
        }
        if (n < 1 || n > 1_000_000_000L) {
            throw new IllegalArgumentException("the request count must be from 1 to 1000000000 (0 alone turns it off)");
        }
        return Optional.of(new RateLimit(n, window));
    }

    @Override
    public String toString() {
        return limit + "/" + window;
    }
}
