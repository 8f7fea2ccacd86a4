package dev.rotor.admission;

import java.time.Duration;
import java.util.Optional;

import dev.rotor.lifecycle.CountingFilter;
import dev.rotor.web.ErrorResponses;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Admission for every public request, registered before the counting filter so that a
 * rejected request never counts toward the quota: first a concurrency permit (503 when
 * none), then the client's rate limit (429 when spent). The permit is held for the whole
 * request, the rate-limit call included, which also bounds how many requests can wait on
 * Redis at once. Nothing under {@code /observe} is limited.
 */
public final class AdmissionFilter implements Filter {
    /** Draft RFC "RateLimit header fields for HTTP" names, as most clients read them. */
    static final HeaderName RATE_LIMIT_LIMIT = HeaderNames.create("RateLimit-Limit");
    static final HeaderName RATE_LIMIT_REMAINING = HeaderNames.create("RateLimit-Remaining");
    static final HeaderName RATE_LIMIT_RESET = HeaderNames.create("RateLimit-Reset");
    /**
     * Wait suggested with a 503: permits come back as requests finish, usually well within
     * a second, and Retry-After cannot say less than one.
     */
    private static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(1);

    private final ConcurrencyLimiter concurrency;
    private final Optional<RateLimiter> rateLimiter;
    private final ClientIdentity identity;

    /**
     * @param concurrency the global limit
     * @param rateLimiter the per-client limit, when on
     * @param identity    who the client is
     */
    public AdmissionFilter(ConcurrencyLimiter concurrency, Optional<RateLimiter> rateLimiter, ClientIdentity identity) {
        this.concurrency = concurrency;
        this.rateLimiter = rateLimiter;
        this.identity = identity;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (CountingFilter.isObservePath(req.path().path())) {
            chain.proceed();
            return;
        }
        if (!concurrency.tryAcquire()) {
            ErrorResponses.send(res, Status.SERVICE_UNAVAILABLE_503, "too_many_concurrent_requests",
                                "the server is handling its limit of " + concurrency.capacity()
                                        + " requests at once; retry shortly", BUSY_RETRY_AFTER);
            return;
        }
        try {
            if (rateLimiter.isPresent()) {
                RateDecision d = rateLimiter.get().decide(identity.key(req));
                res.header(RATE_LIMIT_LIMIT, Long.toString(d.limit()));
                res.header(RATE_LIMIT_REMAINING, Long.toString(d.remaining()));
                res.header(RATE_LIMIT_RESET, Long.toString(ceilSeconds(d.reset())));
                if (!d.allowed()) {
                    ErrorResponses.send(res, Status.TOO_MANY_REQUESTS_429, "rate_limited",
                                        "this client has used its allowance of " + d.limit() + " requests; retry in "
                                                + ceilSeconds(d.retryAfter()) + " s", d.retryAfter());
                    return;
                }
            }
            chain.proceed();
        } finally {
            concurrency.release();
        }
    }

    private static long ceilSeconds(Duration d) {
        return (d.toNanos() + 999_999_999L) / 1_000_000_000L;
    }
}
