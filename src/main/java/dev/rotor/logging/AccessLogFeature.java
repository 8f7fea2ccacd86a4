package dev.rotor.logging;

import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ObjDoubleConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.rotor.observe.ObservePaths;
import dev.rotor.web.RequestIds;

import io.helidon.common.Weighted;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.spi.ServerFeature;

/**
 * {@code ROTOR_ACCESS_LOG}: one INFO line per public request on logger {@code rotor.access},
 * in logfmt so that both people and log pipelines read it:
 * <pre>
 * method=POST path=/api/sessions status=201 bytes=87 duration_ms=1.520 client=ip:203.0.113.7 request_id=3f9c1a7be2d40c55-1a
 * </pre>
 * and with {@code ROTOR_LOG_FORMAT=json} one JSON object whose members are these fields
 * ({@code status}, {@code bytes} and {@code duration_ms} as numbers; see {@link JsonLogFormatter}).
 * <ul>
 *     <li>{@code path} is the path as sent, without its query: a query string may carry
 *     secrets (tokens, keys) that must not reach a log store.</li>
 *     <li>{@code client} is the client as admission identifies it: {@code ip:<address>}
 *     (through trusted proxies only) or {@code key:<SHA-256 prefix>} when an
 *     {@code X-Api-Key} is sent. The key itself is never written.</li>
 *     <li>{@code bytes} is what went on the wire for the response, status line and headers
 *     included (nginx's {@code $bytes_sent}; Helidon counts it for streamed and fixed bodies
 *     alike); {@code duration_ms} runs from the filter to the moment the response was sent,
 *     error responses included.</li>
 *     <li>{@code request_id} is the {@code X-Request-ID} the response carried (the client's, or
 *     one the replica made; {@code dev.rotor.web.RequestIds}), left out when there is none.</li>
 * </ul>
 * Nothing under {@code /observe} is logged (probes would drown the requests). Requests that
 * Helidon refuses before routing (a malformed request line, headers over the size limit) never
 * reach a filter and are not logged. The feature runs at Helidon's own access-log weight (1000),
 * ahead of the routes' filters (100); with Rotor ({@link #through}) its filter runs in the
 * wire's front, ahead of the door and admission (900). Either way requests that admission
 * rejects (429, 503) are logged.
 * Lines are INFO: a {@code LOG_LEVEL} above INFO hides them like every other INFO line.
 * A request hands its line to one writer thread ({@link AccessLogWriter}), which writes lines in
 * batches; the server's stop writes what is still queued.
 */
public final class AccessLogFeature implements ServerFeature, Weighted {
    /** Logger of the access lines. */
    public static final String LOGGER = "rotor.access";
    /** Helidon's own access log weight: before security (800) and routing (100). */
    private static final double WEIGHT = 1000;
    private static final Logger LOG = Logger.getLogger(LOGGER);

    private final boolean enabled;
    private final int queuedLines;
    private final Function<ServerRequest, String> client;
    private final LongSupplier nanoClock;
    /** Where the filter goes instead of the public routing's filter chain; null = the chain. */
    private final ObjDoubleConsumer<Filter> front;

    private AccessLogFeature(boolean enabled, int queuedLines, Function<ServerRequest, String> client, LongSupplier nanoClock,
                             ObjDoubleConsumer<Filter> front) {
        this.enabled = enabled;
        this.queuedLines = queuedLines;
        this.client = client;
        this.nanoClock = nanoClock;
        this.front = front;
    }

    /**
     * @param enabled     whether to log ({@code rotor.access-log}); when off the feature adds nothing
     * @param queuedLines lines that may wait for the writer ({@code rotor.access-log-queue})
     * @param client      names the client of a request without revealing its credentials
     * @return the feature, for {@code WebServerConfig.Builder#addFeature}
     */
    public static AccessLogFeature create(boolean enabled, int queuedLines, Function<ServerRequest, String> client) {
        return create(enabled, queuedLines, client, System::nanoTime);
    }

    static AccessLogFeature create(boolean enabled, int queuedLines, Function<ServerRequest, String> client,
                                   LongSupplier nanoClock) {
        return new AccessLogFeature(enabled, queuedLines, client, nanoClock, null);
    }

    /**
     * The same access log with its filter in front of the public routing rather than in
     * Helidon's filter chain: Rotor's ({@code RotorFeature#front}), which runs it before
     * admission, so that refused requests are logged, and spares every request Helidon's chain.
     *
     * @param front takes the filter and its weight ({@value #WEIGHT}, before Rotor's)
     * @return the feature, for {@code WebServerConfig.Builder#addFeature}
     */
    public AccessLogFeature through(ObjDoubleConsumer<Filter> front) {
        return new AccessLogFeature(enabled, queuedLines, client, nanoClock, front);
    }

    @Override
    public void setup(ServerFeatureContext features) {
        if (enabled) {
            // the public listener only; an admin listener carries nothing but /observe
            features.socket(WebServer.DEFAULT_SOCKET_NAME).httpRouting().addFeature(new Routing());
        }
    }

    @Override
    public String name() {
        return "rotor-access-log";
    }

    @Override
    public String type() {
        return "rotor-access-log";
    }

    @Override
    public double weight() {
        return WEIGHT;
    }

    private final class Routing implements HttpFeature, Weighted {
        private final AccessLogWriter writer = new AccessLogWriter(LOG, queuedLines, System.out);

        @Override
        public void setup(HttpRouting.Builder routing) {
            if (front == null) {
                routing.addFilter(this::filter);
            } else {
                front.accept(this::filter, WEIGHT);
            }
        }

        @Override
        public void afterStop() {
            // the last requests' lines are written before the replica goes on to close or exit
            writer.close();
        }

        @Override
        public double weight() {
            return WEIGHT;
        }

        private void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            if (ObservePaths.contains(req.path().path()) || !LOG.isLoggable(Level.INFO)) {
                chain.proceed();
                return;
            }
            long start = nanoClock.getAsLong();
            // read now: a service registered under a prefix sees its path relative to it
            String method = req.prologue().method().text();
            String path = req.path().rawPath();
            // when sent, not when the chain returns: a handler's exception is answered by the
            // error handlers after it has left this filter, and that answer is what the client got
            // fields only: the writer's thread makes the line (AccessRecord)
            res.whenSent(() -> writer.log(new AccessRecord(method, path, res.status().code(), res.bytesWritten(),
                                                           nanoClock.getAsLong() - start, client.apply(req),
                                                           RequestIds.of(res))));
            chain.proceed();
        }
    }
}
