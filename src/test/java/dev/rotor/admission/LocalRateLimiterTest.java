package dev.rotor.admission;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

class LocalRateLimiterTest extends RateLimiterContract {
    @Override
    RateLimiter limiter(RateLimit limit) {
        return new LocalRateLimiter(() -> limit, limit.window(), 1000, now::get);
    }

    @Override
    RateDecision.Backend backend() {
        return RateDecision.Backend.LOCAL;
    }

    @Test
    void remembersAtMostMaxClients() {
        LocalRateLimiter limiter = new LocalRateLimiter(() -> LIMIT, LIMIT.window(), 100, now::get);
        for (int i = 0; i < 1000; i++) {
            limiter.decide("client-" + i);
        }
        limiter.decide("one-more"); // runs the cache's pending maintenance on this thread
        assertThat(limiter.trackedClients(), lessThanOrEqualTo(100L));
    }

    @Test
    void forgetsClientsIdleForAWindow() {
        LocalRateLimiter limiter = new LocalRateLimiter(() -> LIMIT, LIMIT.window(), 100, now::get);
        for (int i = 0; i < 10; i++) {
            limiter.decide("client-" + i);
        }
        assertThat(limiter.trackedClients(), is(10L));
        advance(LIMIT.window().plus(Duration.ofMillis(1)));
        limiter.decide("new");
        assertThat(limiter.trackedClients(), is(1L));
    }

    @Test
    void shareIsTheLimitDividedByReplicasRoundedUp() {
        assertThat(new RateLimit(120, Duration.ofMinutes(1)).share(2).limit(), is(60L));
        assertThat(new RateLimit(5, Duration.ofMinutes(1)).share(2).limit(), is(3L));
        assertThat(new RateLimit(1, Duration.ofMinutes(1)).share(8).limit(), is(1L));
    }
}
