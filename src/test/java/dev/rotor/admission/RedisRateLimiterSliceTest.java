package dev.rotor.admission;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The contract again with leases of 4 requests, so that most decisions are spent from memory and
 * the next slice is asked for in the background while one request is left: the decisions are
 * the same as one call per request, header values included. Two tests change, because what
 * changes with slices is who may spend a request at once (see {@link RateLeaseBoundTest}).
 */
class RedisRateLimiterSliceTest extends RedisRateLimiterTest {
    @Override
    int slice() {
        return 4;
    }

    @Override
    @Test
    void keysExpireOnceTheAllowanceIsFull() {
        RateLimiter limiter = limiter(LIMIT);
        limiter.decide("a");
        // the first decision leased 4 requests: 4 x 2 s of the window are taken in Redis
        long pttl = Long.parseLong(server().command("PTTL", "rotor:rate-test:rate:a").substring(1));
        assertThat("PTTL " + pttl, pttl > 7000 && pttl <= 8000, is(true));
    }

    @Override
    @Test
    void twoLimitersOnOneRedisShareOneCount() {
        RateLimiter first = limiter(LIMIT);
        RateLimiter second = limiter(LIMIT, "rotor:rate-test:");
        int allowed = 0;
        for (int i = 0; i < 20; i++) {
            allowed += (i % 2 == 0 ? first : second).decide("a").allowed() ? 1 : 0;
        }
        assertThat("together, at one instant, never more than the limit", allowed, is(5));
        assertThat("the first took a slice of 4, the second the one left",
                   first.decide("a").allowed() || second.decide("a").allowed(), is(false));
    }
}
