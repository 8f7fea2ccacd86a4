package dev.rotor.admission;

import java.time.Duration;
import java.util.Optional;

import dev.rotor.observe.ObservePaths;
import dev.rotor.web.ApiException;
import dev.rotor.web.ErrorResponses;
import dev.rotor.web.RequestIds;
import dev.rotor.wire.RequestWatch;
import dev.rotor.wire.Wire;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Admission for every public request, which hands an admitted one to the counting filter
 * ({@link Admitted}) so that a rejected request never counts toward the quota: first the whole body is read (within the
 * body deadline, see {@link Wire#bufferBody}), then a concurrency permit (503 when none),
 * then the client's rate limit (429 when spent). The body comes first so that a client that
 * stalls its upload holds a connection, never a permit: permits are for work only. The permit
 * is held for the rest of the request, the rate-limit call included (which also bounds how
 * many requests can wait on Redis at once), until the handler returns or the request
 * deadline releases it. Nothing under {@code /observe} is limited. First of all, the request's
 * id ({@link Wire#requestId}) goes on the response, so that every answer carries it.
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
    private static final long EXPLAIN_EVERY_NANOS = Duration.ofSeconds(10).toNanos();
    private static final System.Logger LOG = System.getLogger(AdmissionFilter.class.getName());

    private final ConcurrencyLimiter concurrency;
    private final Optional<RateLimiter> rateLimiter;
    private final ClientIdentity identity;
    private final Wire wire;
    private final long maxPayload;
    private final MalformedRequests malformed;
    /** When the last rejection was explained in the log (one line per interval, not per 503). */
    private final java.util.concurrent.atomic.AtomicLong explainedAt = new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);
    /** Built once: every admitted request's permit gives back through it. */
    private final Runnable releaseConcurrency;
    /** Runs after admission with the permit (the counting filter): by default the rest of the chain. */
    private final Admitted next;

    /**
     * @param concurrency the global limit
     * @param rateLimiter the per-client limit, when on
     * @param identity    who the client is
     * @param wire        body buffering and the request deadline
     * @param maxPayload  the largest body accepted
     * @param malformed   where bodies with broken framing are counted; null = not counted
     */
    public AdmissionFilter(ConcurrencyLimiter concurrency, Optional<RateLimiter> rateLimiter, ClientIdentity identity,
                           Wire wire, long maxPayload, MalformedRequests malformed) {
        this(concurrency, rateLimiter, identity, wire, maxPayload, malformed, (chain, req, res, permit) -> chain.proceed());
    }

    private AdmissionFilter(ConcurrencyLimiter concurrency, Optional<RateLimiter> rateLimiter, ClientIdentity identity,
                            Wire wire, long maxPayload, MalformedRequests malformed, Admitted next) {
        this.next = next;
        this.malformed = malformed;
        this.concurrency = concurrency;
        this.rateLimiter = rateLimiter;
        this.identity = identity;
        this.wire = wire;
        this.maxPayload = maxPayload;
        this.releaseConcurrency = concurrency::release;
    }

    /**
     * @param after what runs once a request is admitted, with its permit (the counting filter)
     * @return this filter, running {@code after} itself instead of proceeding to it as a filter
     */
    AdmissionFilter then(Admitted after) {
        return new AdmissionFilter(concurrency, rateLimiter, identity, wire, maxPayload, malformed, after);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (ObservePaths.contains(req.path().path())) {
            next.proceed(chain, req, res, Optional.empty());
            return;
        }
        // on the response before anything can answer: every answer to the request carries its id
        // cached: written as one array, and kept as it is (Helidon copies a writable header value)
        res.header(HeaderValues.createCached(RequestIds.HEADER, wire.requestId(req.headers())));
        Optional<Wire.Held> body;
        try {
            body = wire.bufferBody(req, maxPayload);
        } catch (ApiException e) {
            // the rest of the body is still on the wire: answer, then end the connection
            throw refuseBody(res, e);
        } catch (RuntimeException e) {
            // Helidon decodes the chunked body while it is read, and reports a malformed chunk
            // (size, extension, end, trailer) as a parse exception; framing is lost with it
            ApiException refused = BodyFraming.refusal(e).orElseThrow(() -> e);
            if (malformed != null && refused.status().code() == Status.BAD_REQUEST_400.code()) {
                malformed.record(MalformedRequests.Kind.CHUNKED_BODY, e.toString());
            }
            throw refuseBody(res, refused);
        }
        try {
            admitted(chain, req, res);
        } finally {
            body.ifPresent(Wire.Held::close);
        }
    }

    private static CloseConnectionException refuseBody(RoutingResponse res, ApiException e) {
        res.header(HeaderValues.CONNECTION_CLOSE);
        ErrorResponses.send(res, e.status(), e.code(), e.getMessage(), e.retryAfter().orElse(null));
        return new CloseConnectionException("request body refused: " + e.code());
    }

    private void admitted(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!concurrency.tryAcquire()) {
            explainRejection();
            ErrorResponses.send(res, Status.SERVICE_UNAVAILABLE_503, "too_many_concurrent_requests",
                                "the server is handling its limit of " + concurrency.capacity()
                                        + " requests at once; retry shortly", BUSY_RETRY_AFTER);
            return;
        }
        Permit permit = new Permit(releaseConcurrency);
        RequestWatch watch = wire.watchRequest(permit::release, res::isSent);
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
            next.proceed(chain, req, res, Optional.of(permit));
        } finally {
            wire.finished(watch);
        }
    }

    /**
     * A 503 for want of a permit says, at most every 10 seconds, what held the permits at that
     * moment: requests still handled, or requests already answered whose handlers had not yet
     * returned (descheduled threads, a pause), so that a rejection below the limit a front door
     * believes it sends can be explained from the log.
     */
    private void explainRejection() {
        long now = System.nanoTime();
        long last = explainedAt.get();
        if (now - last < EXPLAIN_EVERY_NANOS || !explainedAt.compareAndSet(last, now)) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "503 too_many_concurrent_requests: " + concurrency.inUse() + " of "
                + concurrency.capacity() + " permits held, " + concurrency.waiting() + " waiting; requests: "
                + wire.inFlightSummary() + " (" + concurrency.rejected() + " rejected since start)");
    }

    private static long ceilSeconds(Duration d) {
        return (d.toNanos() + 999_999_999L) / 1_000_000_000L;
    }
}
