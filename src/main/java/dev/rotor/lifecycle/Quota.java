package dev.rotor.lifecycle;

import java.util.random.RandomGenerator;

/**
 * Draws a replica's request quota once at boot.
 *
 * <p>Uniform in {@code [max - jitter, max + jitter]} and never below 1, as the original
 * deployment described its {@code max_requests=800, max_requests_jitter=200} (600 to 1000).
 * gunicorn itself only adds {@code randint(0, jitter)}; a symmetric spread keeps the mean at
 * {@code max} and, more to the point, keeps replicas started together from rotating together.
 */
final class Quota {
    private Quota() {
    }

    /**
     * @param max    configured maximum; 0 turns request rotation off
     * @param jitter spread around {@code max}
     * @param random source of randomness (a {@link java.security.SecureRandom} in production)
     * @return the quota, or 0 when rotation by requests is off
     */
    static long draw(long max, long jitter, RandomGenerator random) {
        if (max < 0 || jitter < 0) {
            throw new IllegalArgumentException("max-requests and max-requests-jitter must not be negative: "
                                                       + max + ", " + jitter);
        }
        if (max == 0) {
            return 0;
        }
        long low = Math.max(1, max - jitter);
        long high = max + jitter;
        return low + random.nextLong(high - low + 1);
    }
}
