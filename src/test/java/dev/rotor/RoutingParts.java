package dev.rotor;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.rotor.admission.AdmissionConfig;
import dev.rotor.admission.ClientIdentity;
import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.demo.DemoConfig;
import dev.rotor.departure.DepartureConfig;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.session.SessionConfig;
import dev.rotor.session.SessionStore;
import dev.rotor.upstream.ChatConfig;
import dev.rotor.upstream.EchoChatModel;
import dev.rotor.upstream.GeoIpClient;
import dev.rotor.upstream.GeoIpConfig;
import dev.rotor.upstream.OutboundClient;
import dev.rotor.upstream.OutboundConfig;
import dev.rotor.upstream.UpstreamMetrics;

import com.github.benmanes.caffeine.cache.Ticker;
import io.helidon.config.Config;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.HttpRouting;

/**
 * The parts {@link Replica#routing} needs (the service's routes; admission and counting come from
 * {@code RotorFeature} on a real server and are tested there), built from the real configuration files with a test's
 * overrides, for {@code @RoutingTest} classes: the production routes without a server, a
 * socket or a subprocess. No Redis (every part runs its local mode) and the echo chat model.
 * What it built is closed in reverse order, as {@link Replica} does.
 */
final class RoutingParts implements AutoCloseable {
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Replica.Parts parts;

    private RoutingParts(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(overrides);
        Config config = ConfigLoader.load(Map.of(), all);
        Settings rotor = Settings.of(config).node("rotor");
        LifecycleConfig lifecycleConfig = LifecycleConfig.from(rotor.node("lifecycle"));
        FleetConfig fleet = FleetConfig.from(rotor.node("fleet"));
        DemoConfig demo = DemoConfig.from(rotor.node("demo"));
        String id = rotor.optionalString("replica-id").orElse("routes");
        try {
            ReplicaLifecycle lifecycle = new ReplicaLifecycle(id, lifecycleConfig,
                    Triggers.quota(lifecycleConfig.maxRequests(), lifecycleConfig.rotationCeiling()),
                    DepartureConfig.from(rotor.node("lifecycle"), rotor.node("kubernetes")).leaving(),
                    System::nanoTime, Clock.systemUTC());
            AdmissionConfig admission = AdmissionConfig.from(rotor.node("admission"));
            ClientIdentity identity = new ClientIdentity(admission.trustedProxies(), admission.clientIpHeader());
            UpstreamMetrics upstreamMetrics = new UpstreamMetrics(Metrics.globalRegistry());
            closeables.push(upstreamMetrics);
            OutboundClient outbound = new OutboundClient(OutboundConfig.from(rotor.node("outbound")), upstreamMetrics);
            closeables.push(outbound);
            GeoIpClient geo = new GeoIpClient(outbound, GeoIpConfig.from(rotor.node("geoip")), upstreamMetrics,
                                              Ticker.systemTicker());
            SessionStore sessions = SessionStore.of(SessionConfig.from(rotor.node("session")), Optional.empty(),
                                                    fleet.redisNamespace(), Ticker.systemTicker(), Clock.systemUTC());
            closeables.push(sessions);
            lifecycle.serving();
            parts = new Replica.Parts(lifecycle, demo, identity, sessions, new EchoChatModel(),
                                      ChatConfig.from(rotor.node("chat")), geo);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * @param overrides configuration key -> value, on top of application.yaml
     * @return the built parts
     */
    static RoutingParts build(Map<String, String> overrides) {
        return new RoutingParts(overrides);
    }

    /**
     * Fill a routing with the production routes over these parts.
     *
     * @param routing the routing {@code @SetUpRoute} hands over
     */
    void routing(HttpRouting.Builder routing) {
        Replica.routing(routing, parts);
    }

    /** @return the parts */
    Replica.Parts parts() {
        return parts;
    }

    @Override
    public void close() {
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a routing part failed", e);
            }
        }
    }
}
