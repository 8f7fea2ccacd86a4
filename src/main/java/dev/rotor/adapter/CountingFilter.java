package dev.rotor.adapter;

import java.util.Optional;

import dev.rotor.admission.Admitted;
import dev.rotor.admission.Permit;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.observe.ObservePaths;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Counts every public request toward the quota and as in flight; nothing under
 * {@code /observe} counts. Once the replica is no longer serving, responses carry
 * {@code Connection: close} and the connection is closed right after the response, so
 * that no keep-alive connection outlives the drain and no client sends its next request
 * on a connection that is about to disappear.
 */
public final class CountingFilter implements Admitted {
    private final ReplicaLifecycle lifecycle;
    private final Runnable perCountedRequest;

    /**
     * @param lifecycle         the replica's lifecycle
     * @param perCountedRequest extra work for each counted request (the demonstration leak)
     */
    public CountingFilter(ReplicaLifecycle lifecycle, Runnable perCountedRequest) {
        this.lifecycle = lifecycle;
        this.perCountedRequest = perCountedRequest;
    }

    /**
     * Count a request admission let through, with its permit in hand: admission calls this
     * itself ({@link Admitted}), which spares a filter in Helidon's chain, and calls it as the
     * interface it implements rather than through a method reference, which spares a level of
     * the JIT's inlining depth (see {@code Wire#front}).
     *
     * @param chain  the rest of the chain
     * @param req    the request
     * @param res    the response
     * @param permit the request's admission permit; empty for requests admission does not limit
     */
    @Override
    public void proceed(FilterChain chain, RoutingRequest req, RoutingResponse res, Optional<Permit> permit) {
        // Helidon 4.3 answers a client's "Connection: close" with the same header but keeps
        // reading the socket (measured: the connection stays open until the client gives up);
        // HTTP/1.1 says the server closes it after the response, so do that here
        // the name first (an index lookup): most requests send no Connection header, and the
        // value check goes through Helidon's list of values
        boolean clientCloses = req.headers().contains(HeaderNames.CONNECTION)
                && req.headers().contains(HeaderValues.CONNECTION_CLOSE);
        // a request with a permit was admitted as a public one: only one without may be /observe
        if (permit.isEmpty() && ObservePaths.contains(req.path().path())) {
            chain.proceed();
            closeIfSent(clientCloses, res);
            return;
        }
        // the per-request work first, so that a drain this request triggers sees its effect
        perCountedRequest.run();
        // an admitted request is in flight until its permit is released (the handler returned,
        // or the request deadline gave up on it): the lifecycle reads the permits held, one truth
        // for admission, drain and status; only a request without one counts itself in flight
        if (permit.isPresent()) {
            lifecycle.requestAdmitted();
        } else {
            lifecycle.requestStarted();
        }
        boolean closing = !lifecycle.keepsConnections();
        if (closing) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        try {
            chain.proceed();
        } finally {
            if (permit.isEmpty()) {
                lifecycle.requestFinished();
            }
        }
        // Helidon writes "Connection: close" but would keep reading; end the connection here.
        closeIfSent(closing || clientCloses, res);
    }

    private void closeIfSent(boolean close, RoutingResponse res) {
        if (close && res.isSent()) {
            throw new CloseConnectionException("replica " + lifecycle.id() + ": connection closes after this response");
        }
    }
}
