package dev.rotor.admission;

import java.util.Optional;

import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * What runs once admission has let a request through, handed the request's permit (the
 * counting filter's {@code count}). Calling it directly instead of proceeding to a second filter
 * saves a step of Helidon's filter chain and the thread-local handoff of the permit.
 */
@FunctionalInterface
public interface Admitted {
    /**
     * @param chain  the rest of the chain, to proceed with
     * @param req    the request
     * @param res    the response
     * @param permit the request's permit; empty for what admission does not limit ({@code /observe})
     */
    void proceed(FilterChain chain, RoutingRequest req, RoutingResponse res, Optional<Permit> permit);
}
