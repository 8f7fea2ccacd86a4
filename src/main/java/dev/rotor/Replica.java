package dev.rotor;

import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.logging.Logger;

import dev.rotor.admission.Admission;
import dev.rotor.admission.AdmissionConfig;
import dev.rotor.config.Settings;
import dev.rotor.demo.DemoConfig;
import dev.rotor.demo.DemoLeak;
import dev.rotor.lifecycle.ExitMode;
import dev.rotor.lifecycle.FleetConfig;
import dev.rotor.lifecycle.KubernetesConfig;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.LifecycleHealthChecks;
import dev.rotor.lifecycle.LifecycleMetrics;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.ReplicaService;
import dev.rotor.lifecycle.Rotation;
import dev.rotor.lifecycle.RotationCause;
import dev.rotor.lifecycle.RotationTrigger;
import dev.rotor.lifecycle.StuckTrigger;
import dev.rotor.monitoring.CloudWatchConfig;
import dev.rotor.monitoring.CloudWatchPublisher;
import dev.rotor.redis.RedisConfig;
import dev.rotor.redis.RedisMetrics;
import dev.rotor.redis.SharedRedis;
import dev.rotor.session.SessionConfig;
import dev.rotor.session.SessionMetrics;
import dev.rotor.session.SessionStore;
import dev.rotor.upstream.ChatConfig;
import dev.rotor.upstream.ChatModel;
import dev.rotor.upstream.EchoChatModel;
import dev.rotor.upstream.GeoIpClient;
import dev.rotor.upstream.GeoIpConfig;
import dev.rotor.upstream.OpenAiChatModel;
import dev.rotor.upstream.OutboundClient;
import dev.rotor.upstream.OutboundConfig;
import dev.rotor.upstream.UpstreamMetrics;
import dev.rotor.web.WebConfig;
import dev.rotor.wire.Wire;
import dev.rotor.wire.WireConfig;

import com.github.benmanes.caffeine.cache.Ticker;
import io.helidon.config.Config;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * One running replica: its lifecycle, its server and every shared part it built, which it
 * closes in reverse order of creation. It leaves the way its exit mode says once the
 * lifecycle expires, and drains on {@link #terminate()} (SIGTERM).
 */
public final class Replica {
    private static final System.Logger LOG = System.getLogger(Replica.class.getName());
    private static final String ADMIN_SOCKET = "admin";

    private volatile Rotation rotation;
    private final Deque<AutoCloseable> closeables;
    private final IntConsumer exit;
    private final AtomicBoolean leaving = new AtomicBoolean();
    private volatile WebServer server;
    private volatile SessionStore sessions;
    private volatile Optional<SharedRedis> redis = Optional.empty();

    /**
     * What the routing needs from a replica.
     *
     * @param lifecycle the lifecycle
     * @param demo      demonstration settings
     * @param leak      the demonstration leak, run per counted request
     * @param redis     the shared Redis client, when {@code REDIS_URL} or {@code REDIS_SENTINELS} is set
     * @param admission  admission control (its filter runs before counting)
     * @param sessions   the session store
     * @param chat       the chat model (upstream or echo)
     * @param chatConfig chat settings
     * @param geo        the geo-IP client
     */
    record Parts(ReplicaLifecycle lifecycle, DemoConfig demo, DemoLeak leak, Optional<SharedRedis> redis,
                 Admission admission, SessionStore sessions, ChatModel chat, ChatConfig chatConfig, GeoIpClient geo) {
    }

    private Replica(Deque<AutoCloseable> closeables, IntConsumer exit) {
        this.closeables = closeables;
        this.exit = exit;
    }

    /**
     * Validate configuration, build the shared parts, start the server and begin serving.
     *
     * @param config the layered configuration
     * @param exit   ends the process with a status ({@code System::exit} in production)
     * @return the running replica
     * @throws dev.rotor.config.InvalidSettingException when a setting cannot be used
     */
    public static Replica start(Config config, IntConsumer exit) {
        // Helidon's own parts (metrics, the service registry) read the global configuration;
        // hand them ours so that they see the same files and overrides and do not parse the
        // YAML a second time. Rotor's own code never reads it: settings flow into records.
        Config.global(config);
        Settings root = Settings.of(config);
        Settings rotor = root.node("rotor");
        WebConfig web = WebConfig.from(root);
        LifecycleConfig lifecycleConfig = LifecycleConfig.from(rotor.node("lifecycle"));
        DemoConfig demo = DemoConfig.from(rotor.node("demo"));
        RedisConfig redisConfig = RedisConfig.from(rotor.node("redis"));
        FleetConfig fleet = FleetConfig.from(rotor.node("fleet"));
        KubernetesConfig kubernetes = KubernetesConfig.from(rotor.node("kubernetes"),
                                                            lifecycleConfig.exitMode() == ExitMode.EVICT);
        AdmissionConfig admissionConfig = AdmissionConfig.from(rotor.node("admission"));
        SessionConfig sessionConfig = SessionConfig.from(rotor.node("session"));
        ChatConfig chatConfig = ChatConfig.from(rotor.node("chat"));
        OutboundConfig outboundConfig = OutboundConfig.from(rotor.node("outbound"));
        GeoIpConfig geoConfig = GeoIpConfig.from(rotor.node("geoip"));
        CloudWatchConfig cloudWatchConfig = CloudWatchConfig.from(rotor.node("cloudwatch"));
        WireConfig wireConfig = WireConfig.from(rotor.node("wire"), admissionConfig.maxConcurrentRequests());
        java.util.logging.Level logLevel = LogLevels.parse(rotor);
        LogLevels.apply(logLevel);

        String id = rotor.optionalString("replica-id").orElseGet(Replica::randomId);
        logEffectiveSettings(id, web, lifecycleConfig, demo, redisConfig, logLevel);

        Deque<AutoCloseable> closeables = new ArrayDeque<>();
        Replica replica = new Replica(closeables, exit);
        try {
            Optional<SharedRedis> redis = redisConfig.enabled()
                    ? Optional.of(new SharedRedis(redisConfig, System::nanoTime)) : Optional.empty();
            replica.redis = redis;
            if (redis.isPresent()) {
                closeables.push(redis.get());
                closeables.push(new RedisMetrics(Metrics.globalRegistry(), redis.get()));
            } else {
                LOG.log(Level.INFO, "no REDIS_URL or REDIS_SENTINELS: this replica shares nothing with others; "
                        + "everything that would live in Redis is local to it");
            }
            Wire wire = new Wire(wireConfig, Wire.openFileLimit(), System::nanoTime, Metrics.globalRegistry());
            closeables.push(wire);
            List<RotationTrigger> wireTriggers = wireConfig.stuckLimit() > 0
                    ? List.of(new StuckTrigger(wire::stuck, wireConfig.stuckLimit())) : List.of();
            Rotation rotation = Rotation.build(id, lifecycleConfig, fleet, kubernetes, redis, Metrics.globalRegistry(),
                                               new SecureRandom(), wireTriggers);
            closeables.push(rotation);
            replica.rotation = rotation;
            ReplicaLifecycle lifecycle = rotation.lifecycle();
            closeables.push(new LifecycleMetrics(Metrics.globalRegistry(), lifecycle));
            Admission admission = Admission.start(admissionConfig, redis, id, fleet.redisNamespace(), Metrics.globalRegistry(),
                                                  Clock.systemUTC(), wire);
            closeables.push(admission);
            DemoLeak leak = new DemoLeak(demo.leakBytesPerRequest());
            UpstreamMetrics upstreamMetrics = new UpstreamMetrics(Metrics.globalRegistry());
            closeables.push(upstreamMetrics);
            OutboundClient outbound = new OutboundClient(outboundConfig, upstreamMetrics);
            closeables.push(outbound);
            upstreamMetrics.watch(outbound);
            ChatModel chat = chatConfig.endpoint().isPresent()
                    ? new OpenAiChatModel(outbound, chatConfig, upstreamMetrics) : new EchoChatModel();
            LOG.log(Level.INFO, "chat: " + chat.describe());
            GeoIpClient geo = new GeoIpClient(outbound, geoConfig, upstreamMetrics, Ticker.systemTicker());
            LOG.log(Level.INFO, "geo-IP: " + geoConfig.urlTemplate().map(u -> "provider " + geoConfig.safeProvider() + ", cache "
                    + geoConfig.cacheSize() + " for " + geoConfig.cacheTtl()).orElse("no ROTOR_GEOIP_URL: only "
                    + "private and loopback addresses are answered, other lookups are 503"));
            // closed after the server stopped and before Redis: closing flushes what Redis lacks
            SessionStore sessions = SessionStore.of(sessionConfig, redis, fleet.redisNamespace(), Ticker.systemTicker(),
                                                    Clock.systemUTC());
            closeables.push(sessions);
            closeables.push(new SessionMetrics(Metrics.globalRegistry(), sessions));
            replica.sessions = sessions;
            if (cloudWatchConfig.namespace().isPresent()) {
                CloudWatchClient cloudWatch = CloudWatchPublisher.client(cloudWatchConfig);
                closeables.push(cloudWatch);
                closeables.push(new CloudWatchPublisher(cloudWatchConfig, cloudWatch, Metrics.globalRegistry()));
            }
            Parts parts = new Parts(lifecycle, demo, leak, redis, admission, sessions, chat, chatConfig, geo);

            String observeSocket = web.adminPort().isPresent() ? ADMIN_SOCKET : WebServer.DEFAULT_SOCKET_NAME;
            ObserveFeature observe = ObserveFeature.builder()
                    .observersDiscoverServices(false)
                    .addObserver(HealthObserver.builder()
                                         .details(true)
                                         .useSystemServices(false)
                                         .addChecks(LifecycleHealthChecks.create(lifecycle).toArray(new io.helidon.health.HealthCheck[0]))
                                         .build())
                    .addObserver(MetricsObserver.create())
                    .sockets(List.of(observeSocket))
                    .build();
            ReplicaService status = new ReplicaService(lifecycle, rotation.leakReport(), wire::stuck, wire::openConnections);
            WebServerConfig.Builder builder = WebServer.builder()
                    .config(config.get("server"))
                    .port(web.port())
                    .host(web.host())
                    .featuresDiscoverServices(false)
                    .addFeature(observe);
            admission.configure(builder);
            if (web.adminPort().isPresent()) {
                builder.routing(routing -> Main.routing(routing, parts))
                        .putSocket(ADMIN_SOCKET, socket -> socket.port(web.adminPort().get()).host(web.host()))
                        .routing(ADMIN_SOCKET, routing -> routing.register("/observe/replica", status));
            } else {
                builder.routing(routing -> Main.routing(routing.register("/observe/replica", status), parts));
            }
            WebServer server = builder.build();
            replica.server = server;
            server.start();
            closeables.push(server::stop);
            if (!server.isRunning() || server.port() <= 0) {
                throw new IllegalStateException("the server did not start listening on " + web.host() + ":"
                                                        + web.port() + " (see the error above)");
            }

            wire.start();
            lifecycle.onExpiry(replica::leave);
            rotation.start();
            lifecycle.serving();
            return replica;
        } catch (RuntimeException e) {
            replica.closeAll();
            throw e;
        }
    }

    /**
     * SIGTERM: drain (readiness down, in-flight requests finish), then stop and exit 0.
     */
    public void terminate() {
        rotation.lifecycle().terminate();
    }

    /**
     * Stop serving and release everything, without exiting the process (tests).
     */
    public void close() {
        closeAll();
    }

    /** @return everything that decides when and how this replica rotates */
    public Rotation rotation() {
        return rotation;
    }

    /** @return the lifecycle */
    public ReplicaLifecycle lifecycle() {
        return rotation.lifecycle();
    }

    /** @return the session store */
    public SessionStore sessions() {
        return sessions;
    }

    /** @return the shared Redis client, when one is configured */
    public Optional<SharedRedis> redis() {
        return redis;
    }

    /** @return the public port */
    public int port() {
        return server.port();
    }

    /**
     * @return the port serving {@code /observe}: the admin port when configured, else the public one
     */
    public int observePort() {
        int admin = server.port(ADMIN_SOCKET);
        return admin > 0 ? admin : server.port();
    }

    private void leave(ReplicaLifecycle.Expiry expiry) {
        ReplicaLifecycle lifecycle = rotation.lifecycle();
        boolean signalled = expiry.cause() == RotationCause.SIGNAL;
        if (!signalled && lifecycle.config().exitMode() == ExitMode.LIVENESS) {
            // liveness is down now; the orchestrator restarts the container, maybe without a
            // SIGTERM we get to handle: write what Redis lacks now (bounded by flush-timeout)
            SessionStore s = sessions;
            Thread.ofVirtual().name("rotor-session-flush").start(() -> s.flush(s.config().flushTimeout()));
            return;
        }
        if (!signalled && lifecycle.config().exitMode() == ExitMode.EVICT) {
            rotation.evict(); // Kubernetes deletes the pod (SIGTERM follows) or liveness goes down
            return;
        }
        if (!leaving.compareAndSet(false, true)) {
            return;
        }
        int status = signalled ? 0 : lifecycle.config().exitCode();
        // not on the (daemon) ticker thread: closing the replica shuts the ticker down, and a
        // daemon thread would let the JVM end with status 0 once the server threads are gone
        Thread.ofPlatform().name("rotor-exit").daemon(false).start(() -> {
            closeAll();
            LOG.log(Level.INFO, "replica " + lifecycle.id() + " stopped after " + lifecycle.served()
                    + " requests; exit status " + status);
            for (var handler : Logger.getLogger("").getHandlers()) {
                handler.flush();
            }
            exit.accept(status);
        });
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

    private static void logEffectiveSettings(String id, WebConfig web, LifecycleConfig lc, DemoConfig demo,
                                             RedisConfig redis, java.util.logging.Level level) {
        LOG.log(Level.INFO, "replica " + id + " settings: port=" + web.port() + " host=" + web.host()
                + " admin-port=" + web.adminPort().map(String::valueOf).orElse("(same as port)")
                + " log-level=" + level.getName()
                + " max-requests=" + lc.maxRequests() + " max-requests-jitter=" + lc.maxRequestsJitter()
                + " min-lifetime=" + lc.minLifetime() + " drain-period=" + lc.drainPeriod()
                + " drain-timeout=" + lc.drainTimeout() + " shutdown-drain-period=" + lc.shutdownDrainPeriod()
                + " exit-mode=" + lc.exitMode().name().toLowerCase() + " exit-code=" + lc.exitCode()
                + " demo-endpoints=" + demo.endpoints() + " demo-max-work=" + demo.maxWork()
                + " demo-leak-bytes-per-request=" + demo.leakBytesPerRequest()
                + " redis=" + redis.safeUrl() + " redis-pool-max=" + redis.poolMax());
        if (demo.endpoints() || demo.leakBytesPerRequest() > 0) {
            LOG.log(Level.WARNING, "demonstration aids are on (ROTOR_DEMO_ENDPOINTS / ROTOR_DEMO_LEAK_BYTES_PER_REQUEST); "
                    + "do not run them in production");
        }
    }

    /** JUL levels from the LOG_LEVEL words operators know. */
    static final class LogLevels {
        private LogLevels() {
        }

        static java.util.logging.Level parse(Settings rotor) {
            String word = rotor.string("log-level").trim().toUpperCase(java.util.Locale.ROOT);
            return switch (word) {
                case "TRACE" -> java.util.logging.Level.FINEST;
                case "DEBUG" -> java.util.logging.Level.FINE;
                case "INFO" -> java.util.logging.Level.INFO;
                case "WARN", "WARNING" -> java.util.logging.Level.WARNING;
                case "ERROR" -> java.util.logging.Level.SEVERE;
                default -> throw rotor.invalid("log-level", "must be one of TRACE, DEBUG, INFO, WARN, ERROR");
            };
        }

        static void apply(java.util.logging.Level level) {
            Logger root = Logger.getLogger("");
            root.setLevel(level);
            for (var handler : root.getHandlers()) {
                handler.setLevel(level);
            }
        }
    }
}
