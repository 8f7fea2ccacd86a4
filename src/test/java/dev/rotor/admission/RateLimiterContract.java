package dev.rotor.admission;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * What every rate limiter promises, run against each backend ({@link LocalRateLimiterTest},
 * {@link RedisRateLimiterTest}). Time is a manual clock: the tests move it, never sleep.
 */
abstract class RateLimiterContract {
    /** 5 requests per 10 s: one more every 2 s once the burst is spent. */
    static final RateLimit LIMIT = new RateLimit(5, Duration.ofSeconds(10));
    /** An arbitrary wall-clock start, in microseconds (2026-11-23). */
    final AtomicLong now = new AtomicLong(1_795_392_000_000_000L);

    /**
     * @param limit the limit
     * @return a limiter with that limit on {@link #now}
     */
    abstract RateLimiter limiter(RateLimit limit);

    abstract RateDecision.Backend backend();

    void advance(Duration d) {
        now.addAndGet(d.toNanos() / 1000);
    }

    @Test
    void allowsTheLimitThenRejects() {
        RateLimiter limiter = limiter(LIMIT);
        for (int i = 0; i < 5; i++) {
            RateDecision d = limiter.decide("a");
            assertThat("request " + (i + 1), d.allowed(), is(true));
            assertThat(d.remaining(), is(4L - i));
            assertThat(d.limit(), is(5L));
            assertThat(d.backend(), is(backend()));
        }
        RateDecision sixth = limiter.decide("a");
        assertThat(sixth.allowed(), is(false));
        assertThat(sixth.remaining(), is(0L));
        assertThat("rejections do not spend the allowance", limiter.decide("a").retryAfter(), is(Duration.ofSeconds(2)));
    }

    @Test
    void retryAfterIsExactlyWhenTheNextRequestIsAllowed() {
        RateLimiter limiter = limiter(LIMIT);
        for (int i = 0; i < 5; i++) {
            limiter.decide("a");
        }
        RateDecision rejected = limiter.decide("a");
        assertThat(rejected.retryAfter(), is(Duration.ofSeconds(2)));
        assertThat("the full allowance is back after a window", rejected.reset(), is(Duration.ofSeconds(10)));
        advance(rejected.retryAfter().minusMillis(1));
        assertThat("1 ms early is still too early", limiter.decide("a").allowed(), is(false));
        advance(Duration.ofMillis(1));
        RateDecision allowed = limiter.decide("a");
        assertThat(allowed.allowed(), is(true));
        assertThat(allowed.remaining(), is(0L));
        assertThat(limiter.decide("a").allowed(), is(false));
    }

    @Test
    void aQuietWindowRestoresTheWholeAllowance() {
        RateLimiter limiter = limiter(LIMIT);
        for (int i = 0; i < 6; i++) {
            limiter.decide("a");
        }
        advance(Duration.ofSeconds(10));
        for (int i = 0; i < 5; i++) {
            assertThat("request " + (i + 1) + " of the new window", limiter.decide("a").allowed(), is(true));
        }
        assertThat(limiter.decide("a").allowed(), is(false));
    }

    @Test
    void clientsAreIndependent() {
        RateLimiter limiter = limiter(LIMIT);
        for (int i = 0; i < 5; i++) {
            limiter.decide("a");
        }
        assertThat(limiter.decide("a").allowed(), is(false));
        RateDecision b = limiter.decide("b");
        assertThat(b.allowed(), is(true));
        assertThat(b.remaining(), is(4L));
    }

    @Test
    void aSteadyRateAtTheLimitIsNeverRejected() {
        RateLimiter limiter = limiter(LIMIT);
        for (int i = 0; i < 50; i++) {
            assertThat("request " + i, limiter.decide("a").allowed(), is(true));
            advance(Duration.ofSeconds(2));
        }
    }
}
