package dev.rotor.observe;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import dev.rotor.web.ErrorResponses;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The door to {@code /observe}. On the public port, in front of admission: the three probes are
 * answered by {@link PublicProbes}; any other operator path (metrics, {@code /observe/replica},
 * its leak report, the health details) is refused with a JSON 404, unless no admin port is set
 * and the caller either sends the operator token or, with no token set, calls from this machine
 * (a loopback peer, no forwarding header: {@code bin/run}, {@code curl localhost}). On the admin
 * port, when a token is set, every operator path but the health endpoints asks for it (401).
 *
 * <pre>
 * curl -s localhost:8080/observe/health/ready                                   # public: {"status":"UP"}
 * curl -s -H "Authorization: Bearer $ROTOR_OBSERVE_TOKEN" host:8080/observe/metrics  # public, no admin port
 * curl -s localhost:9090/observe/metrics                                        # the admin port
 * </pre>
 */
public final class ObserveGate implements AutoCloseable {
    private static final String HEALTH = ObservePaths.ROOT + "/health";

    private final boolean adminPort;
    private final Optional<OperatorToken> token;
    private final Optional<String> authorization;
    private final PublicProbes probes;

    /**
     * @param config    the observe settings
     * @param adminPort whether an admin port serves the operator paths
     * @param started   the startup probe's flag
     * @param ready     the readiness probe's flag
     * @param live      the liveness probe's flag
     * @param registry  where the probes' bounds are exported
     */
    public ObserveGate(ObserveConfig config, boolean adminPort, BooleanSupplier started, BooleanSupplier ready,
                       BooleanSupplier live, MeterRegistry registry) {
        this.adminPort = adminPort;
        this.token = OperatorToken.of(config);
        this.authorization = config.token().map(t -> "Bearer " + t);
        this.probes = new PublicProbes(config, started, ready, live, registry);
    }

    /** @return the filter for the public port, to run before admission */
    public Filter publicFilter() {
        return this::publicDoor;
    }

    /**
     * The door and the filter after it as one filter: a public request that is not under
     * {@code /observe} goes straight to {@code next}; one the door lets through goes to
     * {@code next} as well. One filter instead of two spares every request a step of the
     * front it runs in: measured in one interleaved run, two front filters cost a {@code GET /}
     * ~0.2 µs of CPU more (10.58 against 10.36 µs, more in 7 rounds of 8), about a point of
     * its throughput against bare Helidon's.
     *
     * @param next what follows the door (admission)
     * @return the door, then {@code next}
     */
    public Filter publicFilter(Filter next) {
        return new PublicDoor(next);
    }

    /**
     * {@link #publicFilter(Filter)}: a class of its own rather than a lambda, whose body would
     * be a second method under the lambda's: every request passes it, and each level of calls
     * counts against the JIT's inlining depth, which Helidon's response writing, further down
     * the same path, then runs out of (see {@code Wire#front}).
     */
    private final class PublicDoor implements Filter {
        private final Filter next;

        private PublicDoor(Filter next) {
            this.next = next;
        }

        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            if (ObservePaths.contains(req.path().path())) {
                publicDoor(() -> next.filter(chain, req, res), req, res);
            } else {
                next.filter(chain, req, res);
            }
        }
    }

    /** @return the filter for the admin port: present when a token is set */
    public Optional<Filter> adminFilter() {
        return token.map(t -> this::adminDoor);
    }

    /** @return the Authorization value the replica's own calls send (its warm-up), when a token is set */
    public Optional<String> authorization() {
        return authorization;
    }

    /** @return who may read the operator paths, for the startup log (never the token) */
    public String describe() {
        if (adminPort) {
            return "operator paths (/observe/metrics, /observe/replica) on the admin port only"
                    + (token.isPresent() ? ", with the operator token" : "")
                    + "; the public port answers the three probes";
        }
        return token.isPresent()
                ? "operator paths (/observe/metrics, /observe/replica) on the public port with the operator token only"
                : "operator paths (/observe/metrics, /observe/replica) on the public port to callers on this machine only "
                        + "(set ROTOR_ADMIN_PORT or ROTOR_OBSERVE_TOKEN to read them from elsewhere)";
    }

    private void publicDoor(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (!ObservePaths.contains(path)) {
            chain.proceed();
            return;
        }
        if (probes.isProbe(path)) {
            probes.answer(path, req, res);
            return;
        }
        if (!adminPort && (token.isPresent() ? token.get().presentedIn(req.headers()) : fromThisMachine(req))) {
            chain.proceed();
            return;
        }
        ErrorResponses.send(res, Status.NOT_FOUND_404, "not_found", path + " is for operators: "
                + (adminPort ? "it is served on the admin port (ROTOR_ADMIN_PORT), not here"
                             : "send the operator token (Authorization: Bearer, ROTOR_OBSERVE_TOKEN), or set ROTOR_ADMIN_PORT"),
                null);
    }

    private void adminDoor(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (!ObservePaths.contains(path) || path.equals(HEALTH) || path.startsWith(HEALTH + "/")
                || token.orElseThrow().presentedIn(req.headers())) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        ErrorResponses.send(res, Status.UNAUTHORIZED_401, "unauthorized",
                            path + " asks for the operator token (Authorization: Bearer, ROTOR_OBSERVE_TOKEN)", null);
    }

    /** A loopback peer that no proxy forwarded: someone on this machine, not a front door's client. */
    private static boolean fromThisMachine(RoutingRequest req) {
        SocketAddress peer = req.remotePeer().address();
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress() && !PublicProbes.forwarded(req.headers());
    }

    @Override
    public void close() {
        probes.close();
    }
}
