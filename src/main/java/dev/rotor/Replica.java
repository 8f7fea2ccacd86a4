package dev.rotor;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.function.IntConsumer;

import dev.rotor.admission.ClientIdentity;
import dev.rotor.config.Settings;
import dev.rotor.demo.DemoConfig;
import dev.rotor.demo.DemoLeak;
import dev.rotor.demo.DemoService;
import dev.rotor.feature.Rotation;
import dev.rotor.feature.RotorFeature;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.logging.AccessLogFeature;
import dev.rotor.logging.Logging;
import dev.rotor.logging.LoggingConfig;
import dev.rotor.monitoring.CloudWatchConfig;
import dev.rotor.monitoring.CloudWatchPublisher;
import dev.rotor.redis.SharedRedis;
import dev.rotor.session.SessionConfig;
import dev.rotor.session.SessionMetrics;
import dev.rotor.session.SessionService;
import dev.rotor.session.SessionStore;
import dev.rotor.upstream.ChatConfig;
import dev.rotor.upstream.ChatModel;
import dev.rotor.upstream.EchoChatModel;
import dev.rotor.upstream.GeoIpClient;
import dev.rotor.upstream.GeoIpConfig;
import dev.rotor.upstream.GeoIpService;
import dev.rotor.upstream.OpenAiChatModel;
import dev.rotor.upstream.OutboundClient;
import dev.rotor.upstream.OutboundConfig;
import dev.rotor.upstream.UpstreamMetrics;
import dev.rotor.web.BannerService;
import dev.rotor.web.ErrorResponses;
import dev.rotor.web.WebConfig;

import com.github.benmanes.caffeine.cache.Ticker;
import io.helidon.common.Weighted;
import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * One running replica of the chat service: Rotor's feature (rotation, probes, admission, wire
 * deadlines) plus the business API that uses it (sessions, chat, geo-IP, CloudWatch). Reads top
 * to bottom: settings, the feature and its parts, the service's parts, the server. The feature
 * closes everything in reverse order of creation when the replica leaves.
 */
public final class Replica {
    private static final System.Logger LOG = System.getLogger(Replica.class.getName());

    private final RotorFeature rotor;
    private final SessionStore sessions;
    private final WebServer server;

    /**
     * What the service's routes need.
     *
     * @param lifecycle  the lifecycle (the banner shows its state)
     * @param demo       demonstration settings
     * @param identity   who the caller is, as admission sees it
     * @param sessions   the session store
     * @param chat       the chat model (upstream or echo)
     * @param chatConfig chat settings
     * @param geo        the geo-IP client
     */
    record Parts(ReplicaLifecycle lifecycle, DemoConfig demo, ClientIdentity identity, SessionStore sessions, ChatModel chat,
                 ChatConfig chatConfig, GeoIpClient geo) {
    }

    /**
     * The service's own settings (the feature reads its own), each validated before anything opens.
     *
     * @param demo       demonstration aids
     * @param session    the session store
     * @param chat       the chat upstream
     * @param outbound   the shared outbound pool
     * @param geoIp      the geo-IP provider
     * @param cloudWatch CloudWatch publishing
     */
    record Service(DemoConfig demo, SessionConfig session, ChatConfig chat, OutboundConfig outbound, GeoIpConfig geoIp,
                   CloudWatchConfig cloudWatch) {
        /**
         * @param rotor the {@code rotor} node
         * @return the validated settings
         */
        static Service from(Settings rotor) {
            return new Service(DemoConfig.from(rotor.node("demo")), SessionConfig.from(rotor.node("session")),
                               ChatConfig.from(rotor.node("chat")), OutboundConfig.from(rotor.node("outbound")),
                               GeoIpConfig.from(rotor.node("geoip")), CloudWatchConfig.from(rotor.node("cloudwatch")));
        }
    }

    private Replica(RotorFeature rotor, SessionStore sessions, WebServer server) {
        this.rotor = rotor;
        this.sessions = sessions;
        this.server = server;
    }

    /**
     * Start a replica that leaves through {@code exit}, with stop signals left to the caller
     * (tests run several in one JVM) and the logging settings applied here.
     *
     * @param config the layered configuration
     * @param exit   ends the process with a status
     * @return the running replica
     */
    public static Replica start(Config config, IntConsumer exit) {
        return start(config, Logging.configure(Settings.of(config).node("rotor")), exit, false);
    }

    /**
     * Validate configuration, build the feature and the service's parts, start the server.
     *
     * @param config        the layered configuration
     * @param logging       the logging settings, already applied ({@link Main} applies them first)
     * @param exit          ends the process with a status ({@code System::exit} in production)
     * @param handleSignals whether SIGTERM and SIGINT drain this replica
     * @return the running replica
     * @throws dev.rotor.config.InvalidSettingException when a setting cannot be used
     */
    public static Replica start(Config config, LoggingConfig logging, IntConsumer exit, boolean handleSignals) {
        // Helidon's own parts (metrics, the service registry) read the global configuration;
        // hand them ours so that they see the same files and overrides. Rotor's own code never
        // reads it: settings flow into records.
        Config.global(config);
        Service service = Service.from(Settings.of(config).node("rotor"));
        DemoConfig demo = service.demo();
        DemoLeak leak = new DemoLeak(demo.leakBytesPerRequest());
        RotorFeature rotor = RotorFeature.builder(config).exit(exit).handleSignals(handleSignals)
                .perCountedRequest(leak).build();
        // Rotor's parts open here, not while the server is built (RotorFeature.setup), because the
        // service's parts are built over them (sessions over its Redis, routes over its identity and
        // lifecycle) and Helidon takes the routes before it builds the server. Opening first also
        // handles the stop signals before anything below is built or logged: a SIGTERM from here
        // on is answered with the drain once the replica serves.
        rotor.open();
        WebConfig web = rotor.web();
        LOG.log(Level.INFO, "service settings: port=" + web.port() + " host=" + web.host() + " log-level=" + logging.level().getName()
                + " demo-endpoints=" + demo.endpoints() + " demo-max-work=" + demo.maxWork()
                + " demo-leak-bytes-per-request=" + demo.leakBytesPerRequest());
        if (demo.endpoints() || demo.leakBytesPerRequest() > 0) {
            LOG.log(Level.WARNING, "demonstration aids are on (ROTOR_DEMO_ENDPOINTS / ROTOR_DEMO_LEAK_BYTES_PER_REQUEST); "
                    + "do not run them in production");
        }

        try {
            Parts parts = parts(service, rotor);
            WebServer server = WebServer.builder()
                    // port and host come from the server node itself (WebConfig has validated them)
                    .config(config.get("server"))
                    .update(rotor)
                    .addFeature(AccessLogFeature.create(logging.accessLog(), logging.accessLogQueue(), rotor.identity()::key)
                                        .through(rotor::front))
                    .routing(routing -> routing(routing, parts))
                    .build()
                    .start();
            if (!server.isRunning() || server.port() <= 0) {
                throw new IllegalStateException("the server did not start listening on " + web.host() + ":"
                                                        + web.port() + " (see the error above)");
            }
            return new Replica(rotor, parts.sessions(), server);
        } catch (RuntimeException e) {
            rotor.close();
            throw e;
        }
    }

    /**
     * The service's parts, built once over the feature's (Redis, identity, lifecycle, the clocks
     * and the meter registry), each handed to the feature to close in reverse order. Production
     * and the routing tests build them here alike.
     *
     * @param config the layered configuration
     * @param rotor  the feature, its parts open ({@link RotorFeature#open()})
     * @return what the routes need
     */
    static Parts parts(Config config, RotorFeature rotor) {
        return parts(Service.from(Settings.of(config).node("rotor")), rotor);
    }

    /**
     * @param service the service's settings
     * @param rotor   the feature, its parts open ({@link RotorFeature#open()})
     * @return what the routes need, as {@link #parts(Config, RotorFeature)} builds them
     */
    static Parts parts(Service service, RotorFeature rotor) {
        SessionConfig sessionConfig = service.session();
        ChatConfig chatConfig = service.chat();
        OutboundConfig outboundConfig = service.outbound();
        GeoIpConfig geoConfig = service.geoIp();
        CloudWatchConfig cloudWatchConfig = service.cloudWatch();
        MeterRegistry registry = rotor.registry();
        Ticker ticker = rotor.nanoClock()::getAsLong;
        UpstreamMetrics upstreamMetrics = new UpstreamMetrics(registry);
        rotor.closeWhenLeaving(upstreamMetrics);
        OutboundClient outbound = new OutboundClient(outboundConfig, upstreamMetrics);
        rotor.closeWhenLeaving(outbound);
        upstreamMetrics.watch(outbound);
        ChatModel chat = chatConfig.endpoint().isPresent()
                ? new OpenAiChatModel(outbound, chatConfig, upstreamMetrics) : new EchoChatModel();
        LOG.log(Level.INFO, "chat: " + chat.describe());
        GeoIpClient geo = new GeoIpClient(outbound, geoConfig, upstreamMetrics, ticker);
        LOG.log(Level.INFO, "geo-IP: " + geoConfig.urlTemplate().map(u -> "provider " + geoConfig.safeProvider() + ", cache "
                + geoConfig.cacheSize() + " for " + geoConfig.cacheTtl()).orElse("no ROTOR_GEOIP_URL: only "
                + "private and loopback addresses are answered, other lookups are 503"));
        // closed after the server stopped and before Redis: closing flushes what Redis lacks
        SessionStore sessions = SessionStore.of(sessionConfig, rotor.redis(), rotor.redisNamespace(), ticker,
                                                rotor.wallClock());
        rotor.closeWhenLeaving(sessions);
        rotor.closeWhenLeaving(new SessionMetrics(registry, sessions));
        // liveness mode: the orchestrator may kill the container without a SIGTERM we get to
        // handle, so write what Redis lacks as soon as liveness goes down
        rotor.beforeRestart(() -> sessions.flush(sessions.config().flushTimeout()));
        if (cloudWatchConfig.namespace().isPresent()) {
            CloudWatchClient cloudWatch = CloudWatchPublisher.client(cloudWatchConfig);
            rotor.closeWhenLeaving(cloudWatch);
            rotor.closeWhenLeaving(new CloudWatchPublisher(cloudWatchConfig, cloudWatch, registry));
        }
        return new Parts(rotor.lifecycle(), service.demo(), rotor.identity(), sessions, chat, chatConfig, geo);
    }

    /**
     * The service's routes, used by production and by tests alike. Admission and counting
     * come first, from {@link RotorFeature} (weight 900, before these routes).
     *
     * @param routing routing to fill
     * @param parts   what the routes need
     */
    static void routing(HttpRouting.Builder routing, Parts parts) {
        ErrorResponses.register(routing);
        // the banner's two rules as plain routes, not as a service under "/": a service route
        // makes Helidon merge path parameters into a new map per request, a cost that GET / (the
        // busiest route of a load balancer's checks and demos) need not pay; and ahead of every
        // other route, the operator paths Rotor's feature adds included: Helidon tries routes in
        // order, and a path of exactly "/" takes nothing from any other
        routing.addFeature(new FirstRoutes(new BannerService(parts.lifecycle().id(), () -> parts.lifecycle().state().name())));
        routing.register("/api/sessions", new SessionService(parts.sessions(), parts.chat(), parts.chatConfig().timeout()));
        // the caller's own address as admission resolves it: X-Forwarded-For from trusted proxies only
        routing.register("/api/geo", new GeoIpService(parts.geo(), req -> parts.identity().address(req)
                .map(java.net.InetAddress::getHostAddress)
                .orElseGet(() -> req.remotePeer().host())));
        if (parts.demo().endpoints()) {
            routing.register("/demo", new DemoService(parts.demo(), parts.lifecycle().id()));
        }
    }

    /** Routes Helidon tries before all others: features of a higher weight are set up first. */
    private record FirstRoutes(HttpService service) implements HttpFeature, Weighted {
        @Override
        public void setup(HttpRouting.Builder routing) {
            service.routing(routing);
        }

        @Override
        public double weight() {
            return Double.MAX_VALUE;
        }
    }

    /**
     * SIGTERM: drain (readiness down, in-flight requests finish), then stop and exit 0.
     */
    public void terminate() {
        rotor.terminate();
    }

    /**
     * Stop serving and release everything, without exiting the process (tests).
     */
    public void close() {
        rotor.close();
    }

    /** @return everything that decides when and how this replica rotates */
    public Rotation rotation() {
        return rotor.rotation();
    }

    /** @return the lifecycle */
    public ReplicaLifecycle lifecycle() {
        return rotor.lifecycle();
    }

    /** @return the shared Redis client, when one is configured */
    public Optional<SharedRedis> redis() {
        return rotor.redis();
    }

    /** @return the session store */
    public SessionStore sessions() {
        return sessions;
    }

    /** @return the public port */
    public int port() {
        return server.port();
    }

    /**
     * @return the port serving {@code /observe}: the admin port when configured, else the public one
     */
    public int observePort() {
        return server.port(rotor.observeSocket());
    }
}
