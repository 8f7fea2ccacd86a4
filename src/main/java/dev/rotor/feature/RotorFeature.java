package dev.rotor.feature;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import dev.rotor.adapter.CountingFilter;
import dev.rotor.adapter.LifecycleHealthChecks;
import dev.rotor.adapter.ReplicaService;
import dev.rotor.admission.Admission;
import dev.rotor.admission.ClientIdentity;
import dev.rotor.diagnostics.WarmUp;
import dev.rotor.diagnostics.WarmUpConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.observe.MetricsEndpoint;
import dev.rotor.observe.ObserveGate;
import dev.rotor.redis.SharedRedis;
import dev.rotor.web.WebConfig;
import dev.rotor.wire.Wire;
import dev.rotor.worker.Listeners;
import dev.rotor.worker.WorkerConfig;

import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.spi.ServerFeature;

/**
 * Rotation for any Helidon SE 4 application, from one line:
 * <pre>
 * WebServer.builder()
 *         .config(config.get("server"))
 *         .update(RotorFeature.create(config))      // rotation, probes, admission, deadlines
 *         .routing(r -> r.get("/", (req, res) -> res.send("hello")))
 *         .build()
 *         .start();
 * </pre>
 * Configured from the {@code rotor} node (see {@code application.yaml}). Shaped like Helidon's
 * {@code ObserveFeature}: configuration in, work in {@link #setup}.
 * <ul>
 *     <li>{@link #create} and {@link Builder#build} read and validate every setting (an invalid one
 *     fails here, naming the setting) and open nothing.</li>
 *     <li>{@link #accept} ({@code update}) sets what only the server builder can hold: the public
 *     listener's size limits, error bodies and connection selector (the wire), the observe
 *     feature, the admin socket. Those reach the parts only once the server is built.</li>
 *     <li>{@link #setup}, which Helidon calls while it builds the server, opens the parts
 *     ({@link #open()}: the stop signals' handlers, Redis, the wire, the rotation, departure,
 *     admission) and registers the filters and {@code /observe/replica}. A stop signal before
 *     this ends the JVM the default way (nothing has been served); from here on it is kept and
 *     answered with the drain once the replica serves.</li>
 *     <li>Once the server listens the lifecycle starts: the wire's watchdog, the triggers, the
 *     warm-up, then serving. When the replica leaves, the server stops and every part closes
 *     in reverse order of opening.</li>
 * </ul>
 * An application whose own parts are built over Rotor's (a store over {@link #redis()}, a client
 * over {@link #identity()}) calls {@link #open()} itself before it builds them, and so before
 * the server is built: {@code Replica} does, for its sessions and its routes. It hands its parts
 * to {@link #closeWhenLeaving} so that they close before the ones they use (Redis last).
 *
 * <p>It leaves the host's other server features alone: Helidon still discovers and configures
 * them. Rotor brings its own observe feature (health with the lifecycle's checks), named
 * {@code observe} like Helidon's: Helidon adds a discovered or configured feature only when none
 * of the same type and name was added to the builder, so a discovered observe feature, and a
 * {@code server.features.observe} section, give way to Rotor's (Helidon's {@code ProvidedUtil}).
 * The one case left: an application that also adds an observe feature by hand has two, both set
 * up on the same paths, so {@code /observe} is best left to Rotor's. What it does take over is
 * the public listener's protocol selection: the wire's HTTP/1.1 selector is the only one there
 * (Helidon's protocol discovery is off on that listener), see {@link dev.rotor.wire.Wire#configure}.
 */
public final class RotorFeature implements ServerFeature, Weighted, Consumer<WebServerConfig.Builder>, AutoCloseable {
    /**
     * Before the application's routes (100) and security (800), after an access log (1000):
     * admission and counting must see every public request first.
     */
    public static final double WEIGHT = 900;
    static final String ADMIN_SOCKET = "admin";
    /**
     * A connection back from a response this recently is left open by a worker that stops
     * accepting (its client may be sending the next request); idle longer, it is closed.
     */
    private static final Duration IDLE_BEFORE_CLOSE = Duration.ofSeconds(1);
    /** A supervised worker's own loopback socket (its warm-up): the public port is shared. */
    static final String WORKER_SOCKET = "worker";
    /**
     * Rotor's own endpoint, not Helidon's metrics observer: that one filters every request of
     * its socket, the public one when there is no admin port ({@link MetricsEndpoint} says why).
     */
    private static final String METRICS_PATH = "/observe/metrics";
    private static final System.Logger LOG = System.getLogger(RotorFeature.class.getName());

    private final RotorConfig config;
    private final IntConsumer exit;
    private final boolean handleSignals;
    private final Runnable perCountedRequest;
    private final MeterRegistry chosenRegistry;
    private final LongSupplier nanoClock;
    private final Clock wallClock;
    private final ReentrantLock opening = new ReentrantLock();
    private volatile RotorParts parts;
    private volatile WebServer server;
    private volatile WarmUp.Result warmedUp;

    private RotorFeature(Builder b) {
        this.config = RotorConfig.from(b.config);
        this.exit = b.exit;
        this.handleSignals = b.handleSignals;
        this.perCountedRequest = b.perCountedRequest;
        this.chosenRegistry = b.registry;
        this.nanoClock = b.nanoClock;
        this.wallClock = b.wallClock;
    }

    /**
     * @param config the root configuration (the {@code rotor} node is read)
     * @return the feature, with stop signals handled and {@code System.exit} to leave
     */
    public static RotorFeature create(Config config) {
        return builder(config).build();
    }

    /**
     * @param config the root configuration
     * @return a builder for the less common choices
     */
    public static Builder builder(Config config) {
        return new Builder(config);
    }

    /**
     * Apply what must be set before the server is built, and add this feature. Opens nothing:
     * what the server keeps from here (the health checks, the error bodies, the wire's selector)
     * reaches the parts once {@link #setup} has opened them.
     *
     * @param server the server builder
     */
    @Override
    public void accept(WebServerConfig.Builder server) {
        Optional<Integer> adminPort = config.web().adminPort();
        WorkerConfig worker = config.worker();
        Duration drainTimeout = config.lifecycle().drainTimeout();
        String observeSocket = observeSocket();
        server.addFeature(this)
                .addFeature(ObserveFeature.builder()
                                    .observersDiscoverServices(false)
                                    .addObserver(HealthObserver.builder()
                                                         .details(true)
                                                         .useSystemServices(false)
                                                         .addChecks(LifecycleHealthChecks.create(this::lifecycle)
                                                                            .toArray(new HealthCheck[0]))
                                                         .build())
                                    .sockets(List.of(observeSocket))
                                    .build());
        Admission.configure(config.admission(), server, () -> parts().admission());
        // every worker of a container binds the public port (and the admin port); the kernel
        // spreads new connections over the ones listening
        adminPort.ifPresent(port -> server.putSocket(ADMIN_SOCKET, socket -> {
            socket.port(port).host(server.host());
            if (worker.supervised()) {
                socket.putListenerSocketOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
        }));
        if (worker.supervised()) {
            server.putListenerSocketOption(StandardSocketOptions.SO_REUSEPORT, true);
            // a worker that hands over stops accepting while requests are still in flight on
            // it: Helidon's stop waits this long for them (and for connections whose request is
            // on its way) before it interrupts anything, the drain timeout as in any drain
            if (server.shutdownGracePeriod().compareTo(drainTimeout) < 0) {
                server.shutdownGracePeriod(drainTimeout);
            }
            server.putSocket(WORKER_SOCKET, socket -> socket.port(0).host("127.0.0.1"));
        }
    }

    /**
     * Open the parts, unless the application has ({@link #open()}), and register the filters and
     * {@code /observe/replica}. Helidon calls it while it builds the server, before any listener
     * exists.
     *
     * @param featureContext the server's sockets and routing
     */
    @Override
    public void setup(ServerFeatureContext featureContext) {
        RotorParts parts = openParts();
        Rotation rotation = parts.rotation();
        Wire wire = parts.wire();
        ReplicaService status = new ReplicaService(rotation.lifecycle(), rotation.leakReport(), wire::stuck,
                                                   wire::openConnections, () -> Optional.ofNullable(warmedUp),
                                                   parts.departure().mode());
        featureContext.socket(WebServer.DEFAULT_SOCKET_NAME).httpRouting().addFeature(new PublicRoutes(parts, status));
        if (config.web().adminPort().isPresent()) {
            operatorPaths(featureContext.socket(ADMIN_SOCKET).httpRouting(), parts, status);
            parts.observeGate().adminFilter().ifPresent(featureContext.socket(ADMIN_SOCKET).httpRouting()::addFilter);
        }
        if (config.worker().supervised()) {
            featureContext.socket(WORKER_SOCKET).httpRouting().register("/observe/replica", status);
        }
    }

    /**
     * The operator paths on the socket that serves {@code /observe}: the admin socket, or the
     * public one behind {@link ObserveGate}'s door.
     */
    private static void operatorPaths(HttpRouting.Builder routing, RotorParts parts, ReplicaService status) {
        routing.register("/observe/replica", status).register(METRICS_PATH, new MetricsEndpoint(parts.registry()));
    }

    /**
     * Open the parts now rather than while the server is built ({@link #setup}): for an
     * application that builds its own parts over Rotor's ({@link #redis()}, {@link #identity()},
     * {@link #lifecycle()}) before it builds the server. Opens, in order: the stop signals'
     * handlers (when handled), Redis (when configured), the wire, the rotation with its triggers
     * and fleet gate, departure, admission, the door to {@code /observe}, and their meters.
     * Nothing starts ticking or listening until the server has started. Calling it again does
     * nothing.
     *
     * @return this feature
     */
    public RotorFeature open() {
        openParts();
        return this;
    }

    private RotorParts openParts() {
        RotorParts p = parts;
        if (p != null) {
            return p;
        }
        opening.lock();
        try {
            if (parts == null) {
                parts = new RotorParts(config, chosenRegistry == null ? Metrics.globalRegistry() : chosenRegistry,
                                       nanoClock, wallClock, exit, handleSignals);
            }
            return parts;
        } finally {
            opening.unlock();
        }
    }

    /** @return the open parts; the accessors that hand them out need them open */
    private RotorParts parts() {
        RotorParts p = parts;
        if (p == null) {
            throw new IllegalStateException("Rotor's parts are not open yet: the server opens them while it is built "
                                                    + "(RotorFeature.setup), or call RotorFeature.open() first");
        }
        return p;
    }

    /** Admission and counting before every public route, and the lifecycle tied to the server. */
    private final class PublicRoutes implements HttpFeature, Weighted {
        private final RotorParts parts;
        private final ReplicaService status;

        private PublicRoutes(RotorParts parts, ReplicaService status) {
            this.parts = parts;
            this.status = status;
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            // admission first: a request it rejects never counts toward the quota
            // admission runs the counting filter itself, permit in hand: one filter in the chain
            CountingFilter counting = new CountingFilter(parts.rotation().lifecycle(), perCountedRequest);
            // in the wire's front, outside Helidon's filter chain (which would cost every request
            // a chain of its own): the door to /observe first (probes are bounded apart, operator
            // paths refused), then admission with counting, as one filter (one step of the front)
            parts.wire().front(parts.observeGate().publicFilter(parts.admission().filter(counting)), WEIGHT);
            if (config.web().adminPort().isEmpty()) {
                operatorPaths(routing, parts, status);
            }
        }

        @Override
        public void afterStart(WebServer webServer) {
            server = webServer;
            if (config.worker().supervised()) {
                Listeners.listening(webServer);
            }
            parts.closeWhenLeaving(() -> stopServer(webServer, parts.wire()));
            parts.wire().start();
            Rotation rotation = parts.rotation();
            rotation.start();
            warmUp(webServer, parts.observeGate());
            rotation.beforeServing();
            rotation.lifecycle().serving();
            parts.signals().ifPresent(s -> s.serving(RotorFeature.this::terminate));
        }

        @Override
        public double weight() {
            return WEIGHT;
        }
    }

    /**
     * A supervised worker leaving: stop accepting (its successor, or the other workers, take the
     * port's new connections), answer every connection it accepted, let idle keep-alive ones go,
     * then stop the server; within the drain timeout. Anything else: Helidon's stop.
     */
    private void stopServer(WebServer webServer, Wire wire) throws InterruptedException {
        Duration drainTimeout = config.lifecycle().drainTimeout();
        if (config.worker().supervised() && Listeners.stopAccepting(webServer)) {
            long deadline = nanoClock.getAsLong() + drainTimeout.toNanos();
            while (wire.openConnections() > 0 && nanoClock.getAsLong() < deadline) {
                wire.closeIdle(IDLE_BEFORE_CLOSE);
                Thread.sleep(10);
            }
            if (wire.openConnections() > 0) {
                LOG.log(Level.WARNING, "replica " + config.id() + " stops with " + wire.openConnections()
                        + " connections still open after the drain timeout " + drainTimeout);
            }
        }
        webServer.stop();
    }

    /** The warm-up ({@link WarmUp}): the replica's own requests, before its readiness turns 200. */
    private void warmUp(WebServer webServer, ObserveGate observeGate) {
        WarmUpConfig warmUp = config.warmUp();
        if (warmUp.requests() == 0) {
            LOG.log(Level.INFO, "replica " + config.id() + " no warm-up (" + warmUp.whyNone() + ")");
            return;
        }
        // a worker warms itself up on its own socket: the shared port would spread the warm-up
        // over every worker of the container
        InetSocketAddress target = config.worker().supervised()
                ? new InetSocketAddress("127.0.0.1", webServer.port(WORKER_SOCKET))
                : new InetSocketAddress(WarmUp.loopbackFor(config.web().host()), webServer.port(observeSocket()));
        WarmUp.Result result = WarmUp.run(warmUp, target, observeGate.authorization());
        warmedUp = result;
        String done = result.answered() + " requests to " + WarmUp.PATH + " in " + result.took().toMillis() + " ms";
        String id = config.id();
        result.stopped().ifPresentOrElse(
                why -> LOG.log(Level.WARNING, "replica " + id + " warm-up stopped after " + done + " (" + why
                        + "); serving all the same"),
                () -> LOG.log(Level.INFO, "replica " + id + " warmed up its code: " + done));
    }

    /**
     * Run {@code filter} for every public request before Rotor's own (the door to
     * {@code /observe}, admission, counting) when its weight is above this feature's
     * ({@value #WEIGHT}), after them when below: in front of the public routing, outside
     * Helidon's filter chain ({@link dev.rotor.wire.Wire#front}). The access log goes here, so
     * that it sees the requests admission refuses. Before the server is built.
     *
     * @param filter the filter
     * @param weight its place among the front's filters: higher runs first
     * @throws IllegalStateException before the parts are open ({@link #open()}), or once the server serves
     */
    public void front(Filter filter, double weight) {
        parts().wire().front(filter, weight);
    }

    /**
     * Close this part when the replica leaves, before the ones opened earlier (so an
     * application's store that writes to Redis on close still has Redis).
     *
     * @param part the application's part
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public void closeWhenLeaving(AutoCloseable part) {
        parts().closeWhenLeaving(part);
    }

    /**
     * @param hook work for the moment the orchestrator may kill the process without warning
     *             (liveness mode), such as writing what a shared store lacks
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public void beforeRestart(Runnable hook) {
        parts().departure().beforeRestart(hook);
    }

    /** SIGTERM: drain (readiness down, in-flight requests finish), then stop and exit 0. */
    public void terminate() {
        lifecycle().terminate();
    }

    /** @return this replica's id (logs, metrics, {@code /observe/replica}) */
    public String id() {
        return config.id();
    }

    /**
     * @return the shared Redis client, when {@code REDIS_URL} is set
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public Optional<SharedRedis> redis() {
        return parts().redis();
    }

    /** @return the prefix of every Redis key this service's replicas share, {@code rotor:<service>:} */
    public String redisNamespace() {
        return config.fleet().redisNamespace();
    }

    /**
     * @return who the caller is, as admission sees it (trusted proxies only)
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public ClientIdentity identity() {
        return parts().admission().identity();
    }

    /**
     * @return everything that decides when and how this replica rotates
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public Rotation rotation() {
        return parts().rotation();
    }

    /**
     * @return the lifecycle
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public ReplicaLifecycle lifecycle() {
        return parts().rotation().lifecycle();
    }

    /** @return the server's settings as the feature read them ({@code server} node, admin port) */
    public WebConfig web() {
        return config.web();
    }

    /**
     * @return the meter registry every part registers with (the one {@code /observe/metrics} serves)
     * @throws IllegalStateException before the parts are open ({@link #open()})
     */
    public MeterRegistry registry() {
        return parts().registry();
    }

    /** @return the monotonic clock every part reads */
    public LongSupplier nanoClock() {
        return nanoClock;
    }

    /** @return the wall clock every part reads */
    public Clock wallClock() {
        return wallClock;
    }

    /** @return the server, once started */
    public Optional<WebServer> server() {
        return Optional.ofNullable(server);
    }

    /** @return the name of the socket that serves {@code /observe} */
    public String observeSocket() {
        return config.web().adminPort().isPresent() ? ADMIN_SOCKET : WebServer.DEFAULT_SOCKET_NAME;
    }

    @Override
    public String name() {
        return "rotor";
    }

    @Override
    public String type() {
        return "rotor";
    }

    @Override
    public double weight() {
        return WEIGHT;
    }

    /**
     * Stop the server and close every part in reverse order of opening, without exiting; nothing
     * when the parts were never opened.
     */
    @Override
    public void close() {
        RotorParts p = parts;
        if (p != null) {
            p.close();
        }
    }

    /** The less common choices. */
    public static final class Builder {
        private final Config config;
        private IntConsumer exit = System::exit;
        private boolean handleSignals = true;
        private Runnable perCountedRequest = () -> { };
        private MeterRegistry registry;
        private LongSupplier nanoClock = System::nanoTime;
        private Clock wallClock = Clock.systemUTC();

        private Builder(Config config) {
            this.config = config;
        }

        /**
         * @param exit ends the process with a status in exit mode and on a stop signal
         *             ({@code System::exit} by default; tests complete a future instead)
         * @return this
         */
        public Builder exit(IntConsumer exit) {
            this.exit = exit;
            return this;
        }

        /**
         * @param handle whether SIGTERM and SIGINT start the drain (default true; tests that run
         *               several replicas in one JVM say false)
         * @return this
         */
        public Builder handleSignals(boolean handle) {
            this.handleSignals = handle;
            return this;
        }

        /**
         * @param work extra work for each request that counts toward the quota (the
         *             demonstration leak)
         * @return this
         */
        public Builder perCountedRequest(Runnable work) {
            this.perCountedRequest = work;
            return this;
        }

        /**
         * @param registry where every part registers its meters (Helidon's global registry by
         *                 default, the one its metrics observer serves)
         * @return this
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /**
         * @param nanoClock monotonic clock for every part ({@code System::nanoTime} by default)
         * @param wallClock wall clock for every part ({@code Clock.systemUTC()} by default)
         * @return this
         */
        public Builder clock(LongSupplier nanoClock, Clock wallClock) {
            this.nanoClock = nanoClock;
            this.wallClock = wallClock;
            return this;
        }

        /**
         * @return the feature, its settings read and validated; nothing is opened yet (see
         *         {@link RotorFeature#open()})
         * @throws dev.rotor.config.InvalidSettingException when a setting cannot be used
         */
        public RotorFeature build() {
            return new RotorFeature(this);
        }
    }
}
