package dev.rotor.feature;

import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import dev.rotor.adapter.CountingFilter;
import dev.rotor.adapter.LifecycleHealthChecks;
import dev.rotor.adapter.LifecycleMetrics;
import dev.rotor.adapter.ReplicaService;
import dev.rotor.adapter.RotationMetrics;
import dev.rotor.admission.Admission;
import dev.rotor.admission.AdmissionConfig;
import dev.rotor.admission.ClientIdentity;
import dev.rotor.config.Settings;
import dev.rotor.departure.Departure;
import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.StopSignals;
import dev.rotor.diagnostics.WarmUp;
import dev.rotor.diagnostics.WarmUpConfig;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.lifecycle.Handover;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.RotationGate;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.observe.ObserveConfig;
import dev.rotor.observe.ObserveGate;
import dev.rotor.observe.MetricsEndpoint;
import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.RedisMetrics;
import dev.rotor.redis.SharedRedis;
import dev.rotor.web.WebConfig;
import dev.rotor.worker.WorkerConfig;
import dev.rotor.worker.Listeners;
import dev.rotor.worker.WorkerHandover;
import dev.rotor.wire.Wire;
import dev.rotor.wire.WireConfig;

import io.helidon.common.Weighted;
import java.net.StandardSocketOptions;
import java.time.Duration;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
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
 * Configured from the {@code rotor} node (see {@code application.yaml}). Everything it builds
 * (Redis, the wire, the rotation, admission) is built once here, started with the server and
 * closed in reverse order when the replica leaves; the application hands its own parts to
 * {@link #closeWhenLeaving} so that they close before the ones they use (Redis last).
 *
 * <p>It is a {@link ServerFeature} (filters and the status route on the public socket, the
 * lifecycle tied to the server's start) and a builder update (the parts a feature cannot set
 * once the server is built: the public listener's connections, size limits and error bodies,
 * the observe feature, the admin socket). It switches off Helidon's discovery of server
 * features on the server it joins, because it brings its own observe feature (health with the
 * lifecycle's checks, metrics) and a discovered one would serve the same paths with the
 * defaults; add any other feature explicitly.
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

    private final String id;
    private final Optional<Integer> adminPort;
    private final Deque<AutoCloseable> closeables;
    private final Optional<SharedRedis> redis;
    private final Wire wire;
    private final Rotation rotation;
    private final Admission admission;
    private final ObserveGate observeGate;
    private final Departure departure;
    private final Optional<StopSignals> signals;
    private final Runnable perCountedRequest;
    private final String redisNamespace;
    private final WarmUpConfig warmUp;
    private final String host;
    private final WorkerConfig worker;
    private final Duration drainTimeout;
    private final WebConfig web;
    private final MeterRegistry registry;
    private final LongSupplier nanoClock;
    private final Clock wallClock;
    private volatile WebServer server;
    private volatile WarmUp.Result warmedUp;

    private RotorFeature(Builder b) {
        this.registry = b.registry == null ? Metrics.globalRegistry() : b.registry;
        this.nanoClock = b.nanoClock;
        this.wallClock = b.wallClock;
        Settings rotor = Settings.of(b.config).node("rotor");
        LifecycleConfig lifecycleConfig = LifecycleConfig.from(rotor.node("lifecycle"));
        RedisConfig redisConfig = RedisConfig.from(rotor.node("redis"));
        FleetConfig fleet = FleetConfig.from(rotor.node("fleet"));
        DepartureConfig departureConfig = DepartureConfig.from(rotor.node("lifecycle"), rotor.node("kubernetes"));
        AdmissionConfig admissionConfig = AdmissionConfig.from(rotor.node("admission"));
        WireConfig wireConfig = WireConfig.from(rotor.node("wire"), admissionConfig.maxConcurrentRequests());
        ObserveConfig observeConfig = ObserveConfig.from(rotor.node("observe"));
        this.id = rotor.optionalString("replica-id").orElseGet(RotorFeature::randomId);
        // the admin port as WebConfig validates it (a number, and not the public port)
        this.web = WebConfig.from(Settings.of(b.config));
        this.adminPort = web.adminPort();
        this.host = web.host();
        this.warmUp = WarmUpConfig.from(rotor.node("warmup"));
        this.worker = WorkerConfig.from(rotor.node("worker"));
        this.drainTimeout = lifecycleConfig.drainTimeout();
        this.perCountedRequest = b.perCountedRequest;
        this.redisNamespace = fleet.redisNamespace();
        this.signals = b.handleSignals ? Optional.of(StopSignals.install()) : Optional.empty();
        LOG.log(Level.INFO, "replica " + id + " rotation settings: max-requests=" + lifecycleConfig.maxRequests()
                + " max-requests-jitter=" + lifecycleConfig.maxRequestsJitter() + " min-lifetime=" + lifecycleConfig.minLifetime()
                + " drain-period=" + lifecycleConfig.drainPeriod() + " drain-timeout=" + lifecycleConfig.drainTimeout()
                + " shutdown-drain-period=" + lifecycleConfig.shutdownDrainPeriod() + " " + departureConfig.describe()
                + " admin-port=" + adminPort.map(String::valueOf).orElse("(same as port)")
                + " redis=" + redisConfig.safeUrl() + " redis-pool-max=" + redisConfig.poolMax());

        Deque<AutoCloseable> parts = new ArrayDeque<>();
        this.closeables = parts;
        try {
            this.redis = redisConfig.enabled()
                    ? Optional.of(new SharedRedis(redisConfig, nanoClock)) : Optional.empty();
            if (redis.isPresent()) {
                parts.push(redis.get());
                parts.push(new RedisMetrics(registry, redis.get()));
            } else {
                LOG.log(Level.INFO, "no REDIS_URL or REDIS_SENTINELS: this replica shares nothing with others; "
                        + "everything that would live in Redis is local to it");
            }
            this.wire = new Wire(wireConfig, Wire.openFileLimit(), nanoClock, registry);
            parts.push(wire);
            Handover handover = Handover.NONE;
            RotationGate oneHandoverAtATime = RotationGate.OPEN;
            if (worker.supervised()) {
                WorkerHandover workerHandover = new WorkerHandover(worker, ProcessHandle.current().pid());
                handover = workerHandover;
                oneHandoverAtATime = workerHandover.lock();
            }
            this.rotation = Rotation.build(id, lifecycleConfig, departureConfig.leaving(), fleet, redis,
                                           new Triggers.StuckWork(wire::stuck, wireConfig.stuckLimit()), handover,
                                           oneHandoverAtATime, new SecureRandom(), nanoClock, wallClock);
            parts.push(rotation);
            ReplicaLifecycle lifecycle = rotation.lifecycle();
            this.departure = new Departure(departureConfig, lifecycle, () -> {
                closeAll();
                rotation.afterServing();
            }, b.exit);
            parts.push(departure);
            lifecycle.onDrain(departure::drainStarted);
            lifecycle.onExpiry(departure::leave);
            parts.push(new LifecycleMetrics(registry, lifecycle));
            parts.push(new RotationMetrics(registry, lifecycle, departure::backoffRisk, departure.evictor()));
            this.admission = Admission.start(admissionConfig, redis, id, fleet.redisNamespace(), registry, wallClock,
                                             wire);
            parts.push(admission);
            this.observeGate = new ObserveGate(observeConfig, adminPort.isPresent(), lifecycle::started, lifecycle::ready,
                                               lifecycle::live, registry);
            parts.push(observeGate);
            LOG.log(Level.INFO, "replica " + id + " " + observeGate.describe());
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
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
     * Apply what must be set before the server is built, and add this feature.
     *
     * @param server the server builder
     */
    @Override
    public void accept(WebServerConfig.Builder server) {
        String observeSocket = adminPort.isPresent() ? ADMIN_SOCKET : WebServer.DEFAULT_SOCKET_NAME;
        server.featuresDiscoverServices(false)
                .addFeature(this)
                .addFeature(ObserveFeature.builder()
                                    .observersDiscoverServices(false)
                                    .addObserver(HealthObserver.builder()
                                                         .details(true)
                                                         .useSystemServices(false)
                                                         .addChecks(LifecycleHealthChecks.create(rotation.lifecycle())
                                                                            .toArray(new HealthCheck[0]))
                                                         .build())
                                    .sockets(List.of(observeSocket))
                                    .build());
        admission.configure(server);
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

    @Override
    public void setup(ServerFeatureContext featureContext) {
        ReplicaService status = new ReplicaService(rotation.lifecycle(), rotation.leakReport(), wire::stuck,
                                                   wire::openConnections, () -> Optional.ofNullable(warmedUp),
                                                   departure.mode());
        featureContext.socket(WebServer.DEFAULT_SOCKET_NAME).httpRouting().addFeature(new PublicRoutes(status));
        if (adminPort.isPresent()) {
            featureContext.socket(ADMIN_SOCKET).httpRouting().register("/observe/replica", status)
                    .register(METRICS_PATH, new MetricsEndpoint(registry));
            observeGate.adminFilter().ifPresent(featureContext.socket(ADMIN_SOCKET).httpRouting()::addFilter);
        }
        if (worker.supervised()) {
            featureContext.socket(WORKER_SOCKET).httpRouting().register("/observe/replica", status);
        }
    }

    /** Admission and counting before every public route, and the lifecycle tied to the server. */
    private final class PublicRoutes implements HttpFeature, Weighted {
        private final ReplicaService status;

        private PublicRoutes(ReplicaService status) {
            this.status = status;
        }

        @Override
        public void setup(HttpRouting.Builder routing) {
            // admission first: a request it rejects never counts toward the quota
            // admission runs the counting filter itself, permit in hand: one filter in the chain
            CountingFilter counting = new CountingFilter(rotation.lifecycle(), perCountedRequest);
            // the door to /observe before admission: probes are bounded apart, operator paths
            // refused; door, admission and counting are one filter in Helidon's chain
            routing.addFilter(observeGate.publicFilter(admission.filter(counting::count)));
            if (adminPort.isEmpty()) {
                routing.register("/observe/replica", status).register(METRICS_PATH, new MetricsEndpoint(registry));
            }
        }

        @Override
        public void afterStart(WebServer webServer) {
            server = webServer;
            if (worker.supervised()) {
                Listeners.listening(webServer);
            }
            closeables.push(() -> stopServer(webServer));
            wire.start();
            rotation.start();
            warmUp(webServer);
            rotation.beforeServing();
            rotation.lifecycle().serving();
            signals.ifPresent(s -> s.serving(RotorFeature.this::terminate));
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
    private void stopServer(WebServer webServer) throws InterruptedException {
        if (worker.supervised() && Listeners.stopAccepting(webServer)) {
            long deadline = nanoClock.getAsLong() + drainTimeout.toNanos();
            while (wire.openConnections() > 0 && nanoClock.getAsLong() < deadline) {
                wire.closeIdle(IDLE_BEFORE_CLOSE);
                Thread.sleep(10);
            }
            if (wire.openConnections() > 0) {
                LOG.log(Level.WARNING, "replica " + id + " stops with " + wire.openConnections()
                        + " connections still open after the drain timeout " + drainTimeout);
            }
        }
        webServer.stop();
    }

    /** The warm-up ({@link WarmUp}): the replica's own requests, before its readiness turns 200. */
    private void warmUp(WebServer webServer) {
        if (warmUp.requests() == 0) {
            LOG.log(Level.INFO, "replica " + id + " no warm-up (" + warmUp.whyNone() + ")");
            return;
        }
        // a worker warms itself up on its own socket: the shared port would spread the warm-up
        // over every worker of the container
        InetSocketAddress target = worker.supervised()
                ? new InetSocketAddress("127.0.0.1", webServer.port(WORKER_SOCKET))
                : new InetSocketAddress(WarmUp.loopbackFor(host), webServer.port(observeSocket()));
        WarmUp.Result result = WarmUp.run(warmUp, target, observeGate.authorization());
        warmedUp = result;
        String done = result.answered() + " requests to " + WarmUp.PATH + " in " + result.took().toMillis() + " ms";
        result.stopped().ifPresentOrElse(
                why -> LOG.log(Level.WARNING, "replica " + id + " warm-up stopped after " + done + " (" + why
                        + "); serving all the same"),
                () -> LOG.log(Level.INFO, "replica " + id + " warmed up its code: " + done));
    }

    /**
     * Close this part when the replica leaves, before the ones created earlier (so an
     * application's store that writes to Redis on close still has Redis).
     *
     * @param part the application's part
     */
    public void closeWhenLeaving(AutoCloseable part) {
        closeables.push(part);
    }

    /**
     * @param hook work for the moment the orchestrator may kill the process without warning
     *             (liveness mode), such as writing what a shared store lacks
     */
    public void beforeRestart(Runnable hook) {
        departure.beforeRestart(hook);
    }

    /** SIGTERM: drain (readiness down, in-flight requests finish), then stop and exit 0. */
    public void terminate() {
        rotation.lifecycle().terminate();
    }

    /** @return this replica's id (logs, metrics, {@code /observe/replica}) */
    public String id() {
        return id;
    }

    /** @return the shared Redis client, when {@code REDIS_URL} is set */
    public Optional<SharedRedis> redis() {
        return redis;
    }

    /** @return the prefix of every Redis key this service's replicas share, {@code rotor:<service>:} */
    public String redisNamespace() {
        return redisNamespace;
    }

    /** @return who the caller is, as admission sees it (trusted proxies only) */
    public ClientIdentity identity() {
        return admission.identity();
    }

    /** @return everything that decides when and how this replica rotates */
    public Rotation rotation() {
        return rotation;
    }

    /** @return the lifecycle */
    public ReplicaLifecycle lifecycle() {
        return rotation.lifecycle();
    }

    /** @return the server's settings as the feature read them ({@code server} node, admin port) */
    public WebConfig web() {
        return web;
    }

    /** @return the meter registry every part registers with (the one {@code /observe/metrics} serves) */
    public MeterRegistry registry() {
        return registry;
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
        return adminPort.isPresent() ? ADMIN_SOCKET : WebServer.DEFAULT_SOCKET_NAME;
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

    /** Stop the server and close every part in reverse order of creation, without exiting. */
    @Override
    public void close() {
        closeAll();
    }

    private void closeAll() {
        while (!closeables.isEmpty()) {
            AutoCloseable c = closeables.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "failed to close " + c + ": " + e.getMessage(), e);
            }
        }
    }

    private static String randomId() {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
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
         * @return the feature, its parts built (Redis, the wire, the rotation, admission)
         * @throws dev.rotor.config.InvalidSettingException when a setting cannot be used
         */
        public RotorFeature build() {
            return new RotorFeature(this);
        }
    }
}
