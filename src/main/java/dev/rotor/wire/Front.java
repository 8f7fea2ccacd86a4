package dev.rotor.wire;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.common.parameters.Parameters;
import io.helidon.common.uri.UriPath;
import io.helidon.http.RoutedPath;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.Router;
import io.helidon.webserver.Routing;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpSecurity;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * What every request on the wire's connections passes before Helidon's routing: filters
 * ({@link Wire#front}) that run in front of the listener's routing, outside Helidon's filter
 * chain. A listener with no filter of its own then routes the way bare Helidon does: Helidon
 * builds its filter chain (a chain, an iterator, a routed path and a second round of error
 * handling) for every request once any filter exists.
 *
 * <p>Each connection asks for its routing once ({@link ConnectionContext#router()}, when
 * Helidon makes its HTTP/1.1 connection); the wrapped routing is built once per listener.
 * The filters see the request as Helidon's chain shows it (its path before routing), and an
 * answer they send or an exception they throw ({@code CloseConnectionException} ends the
 * connection) means the routing never runs. A handler's exceptions are answered by the
 * routing's error handlers as before. The wire's HTTP/1.1 has no upgrade providers, so no
 * request is routed as an upgrade, and the wrapped routing offers none.
 */
final class Front {
    private record Weighed(Filter filter, double weight) {
    }

    /** The last router asked for and its answer: one listener's, nearly always. */
    private record Wrapped(Router in, Router out) {
    }

    private final List<Weighed> added = new ArrayList<>();
    private final Map<Router, Router> routers = new IdentityHashMap<>();
    private Filter[] filters;
    private volatile Wrapped last;

    /**
     * @param filter the filter
     * @param weight its place: higher runs first (Helidon's order of features); equal weights
     *               run in the order they were added
     * @throws IllegalStateException once a connection has been routed
     */
    synchronized void add(Filter filter, double weight) {
        if (filters != null) {
            throw new IllegalStateException("the wire's front filters are added before the server serves");
        }
        added.add(new Weighed(filter, weight));
    }

    /**
     * @param router a listener's router
     * @return the same router, its HTTP routing behind the front filters; itself when there are none
     */
    Router around(Router router) {
        Wrapped known = last;
        if (known != null && known.in() == router) {
            return known.out();
        }
        return wrap(router);
    }

    private synchronized Router wrap(Router router) {
        if (filters == null) {
            filters = added.stream().sorted(Comparator.comparingDouble(Weighed::weight).reversed())
                    .map(Weighed::filter).toArray(Filter[]::new);
        }
        Router wrapped = filters.length == 0 ? router : routers.computeIfAbsent(
                router, r -> new FrontRouter(r, new FrontRouting(r.routing(HttpRouting.class, HttpRouting.empty()), filters)));
        last = new Wrapped(router, wrapped);
        return wrapped;
    }

    /** The router Helidon built, with its HTTP routing replaced by the front's. */
    private record FrontRouter(Router delegate, HttpRouting routing) implements Router {
        @Override
        @SuppressWarnings("unchecked")
        public <T extends Routing> T routing(Class<T> type, T defaultValue) {
            return type == HttpRouting.class ? (T) routing : delegate.routing(type, defaultValue);
        }

        // the server runs the lifecycle on its own router: this one is only handed to connections
        @Override
        public void afterStop() {
            delegate.afterStop();
        }

        @Override
        public void beforeStart() {
            delegate.beforeStart();
        }

        @Override
        public List<? extends Routing> routings() {
            return delegate.routings();
        }
    }

    private static final class FrontRouting implements HttpRouting {
        private final HttpRouting delegate;
        private final Filter[] filters;

        FrontRouting(HttpRouting delegate, Filter[] filters) {
            this.delegate = delegate;
            this.filters = filters;
        }

        @Override
        public void route(ConnectionContext ctx, RoutingRequest req, RoutingResponse res) {
            // what Helidon's filter chain shows filters as the path; routing replaces it
            req.path(new UnroutedPath(req.prologue().uriPath()));
            filters[0].filter(new Pass(this, ctx, req, res), req, res);
        }

        @Override
        public HttpSecurity security() {
            return delegate.security();
        }
    }

    /**
     * One request's way through the front's filters: its chain. An object that goes on by
     * itself rather than a lambda per filter that calls back into the routing, because every
     * level of calls between Helidon's connection and its response writing counts against the
     * JIT's inlining depth (15 levels): with the lambdas each filter passed cost three levels
     * (the lambda, its body, the routing's step) where this costs one, and Helidon's header and
     * socket writing, at the bottom of the same path, was no longer inlined (measured with
     * {@code -XX:+LogCompilation}: "inlining too deep").
     */
    private static final class Pass implements FilterChain {
        private final FrontRouting routing;
        private final ConnectionContext ctx;
        private final RoutingRequest req;
        private final RoutingResponse res;
        /** The filter that runs now. */
        private int at;

        Pass(FrontRouting routing, ConnectionContext ctx, RoutingRequest req, RoutingResponse res) {
            this.routing = routing;
            this.ctx = ctx;
            this.req = req;
            this.res = res;
        }

        @Override
        public void proceed() {
            Filter[] filters = routing.filters;
            int next = ++at;
            if (next == filters.length) {
                routing.delegate.route(ctx, req, res);
            } else if (!res.hasEntity()) {
                filters[next].filter(this, req, res);
            }
        }
    }

    /** A request's path before routing: the whole path, no path parameters. */
    private record UnroutedPath(UriPath uriPath) implements RoutedPath {
        private static final Parameters NO_PARAMETERS = Parameters.empty("http/path");

        @Override
        public String rawPath() {
            return uriPath.rawPath();
        }

        @Override
        public String rawPathNoParams() {
            return uriPath.rawPathNoParams();
        }

        @Override
        public String path() {
            return uriPath.path();
        }

        @Override
        public Parameters matrixParameters() {
            return uriPath.matrixParameters();
        }

        @Override
        public void validate() {
            uriPath.validate();
        }

        @Override
        public Parameters pathParameters() {
            return NO_PARAMETERS;
        }

        @Override
        public RoutedPath absolute() {
            return new UnroutedPath(uriPath.absolute());
        }
    }
}
