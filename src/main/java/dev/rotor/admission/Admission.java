package dev.rotor.admission;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.rotor.redis.SharedRedis;
import dev.rotor.wire.Wire;

import io.helidon.metrics.api.MeterRegistry;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;

/**
 * The admission feature, built once per replica: size limits for the server, the filter for
 * the routing, the client identity for features that need the caller's address, and meters.
 * Closing it stops the replica heartbeat and removes the meters.
 */
public final class Admission implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Admission.class.getName());

    private final ClientIdentity identity;
    private final AdmissionFilter filter;
    private final ReplicaCount replicas;
    private final AdmissionMetrics metrics;
    private final Wire wire;
    private final MalformedRequests malformed;
    private final IntSupplier permitsHeld;

    private Admission(ClientIdentity identity, AdmissionFilter filter, ReplicaCount replicas,
                      Wire wire, AdmissionMetrics metrics, MalformedRequests malformed, IntSupplier permitsHeld) {
        this.permitsHeld = permitsHeld;
        this.wire = wire;
        this.malformed = malformed;
        this.identity = identity;
        this.filter = filter;
        this.replicas = replicas;
        this.metrics = metrics;
    }

    /**
     * @param config    settings
     * @param redis     the shared Redis client, when there is one
     * @param replicaId this replica's id (its heartbeat member)
     * @param namespace the service's Redis key prefix ({@code FleetConfig.redisNamespace()})
     * @param registry  where meters go
     * @param clock     wall clock (rate-limit windows are shared across replicas, so wall time)
     * @param wire      the connections' deadlines, the request deadline and body buffering
     * @return the feature
     */
    public static Admission start(AdmissionConfig config, Optional<SharedRedis> redis, String replicaId,
                                  String namespace, MeterRegistry registry, Clock clock, Wire wire) {
        ConcurrencyLimiter concurrency = new ConcurrencyLimiter(config.maxConcurrentRequests(), config.queueLength(),
                                                                config.queueTimeout());
        ClientIdentity identity = new ClientIdentity(config.trustedProxies(), config.clientIpHeader());
        LongSupplier micros = () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        };
        ReplicaCount replicas;
        Optional<SharedRateLimiter> rate = Optional.empty();
        if (config.rateLimit().isPresent()) {
            RateLimit limit = config.rateLimit().get();
            replicas = redis.map(r -> ReplicaCount.live(config.expectedReplicas(), replicaId, r, clock::millis, namespace))
                    .orElseGet(() -> ReplicaCount.fixed(config.expectedReplicas()));
            LocalRateLimiter local = new LocalRateLimiter(() -> limit.share(replicas.replicas()), limit.window(),
                                                          config.maxTrackedClients(), micros);
            Optional<RedisRateLimiter> leased = redis.map(r -> new RedisRateLimiter(
                    r, limit, micros, namespace, () -> limit.slice(replicas.replicas(), config.rateLimitSlice()),
                    r.socketTimeout(), config.maxTrackedClients(), Thread.ofVirtual().name("rotor-rate-lease")::start));
            rate = Optional.of(new SharedRateLimiter(leased, local));
            LOG.log(Level.INFO, "rate limit " + limit + " per client"
                    + (redis.isPresent() ? ", shared through Redis in leased slices of at most "
                                           + limit.slice(config.expectedReplicas(), config.rateLimitSlice())
                                           + " requests; while Redis is away each replica allows its share"
                                         : "; no Redis, so this replica allows its share")
                    + " (" + limit.share(config.expectedReplicas()) + " with " + config.expectedReplicas()
                    + " replicas until Redis counts them)");
        } else {
            replicas = ReplicaCount.fixed(config.expectedReplicas());
            LOG.log(Level.INFO, "rate limit off (ROTOR_RATE_LIMIT=0)");
        }
        LOG.log(Level.INFO, "admission: " + config.describe());
        MalformedRequests malformed = new MalformedRequests(config.malformedLogInterval(), System::nanoTime, registry);
        AdmissionFilter filter = new AdmissionFilter(concurrency, rate.map(r -> r), identity, wire, config.maxPayloadSize(),
                                                     malformed);
        return new Admission(identity, filter, replicas, wire, new AdmissionMetrics(registry, concurrency, rate, replicas),
                             malformed, concurrency::inUse);
    }

    /**
     * Apply the size limits, the JSON protocol-error bodies and the wire (deadlines, connection
     * cap, framing rules) to the public listener. Called while the server builder is configured,
     * before admission exists: what the server keeps from here (the error handler, the wire's
     * selector) reaches admission through {@code admission} only once the server is built.
     *
     * @param config    admission settings
     * @param server    the server builder
     * @param admission admission, once it is open
     */
    public static void configure(AdmissionConfig config, WebServerConfig.Builder server, Supplier<Admission> admission) {
        SizeLimits.apply(config, server, () -> admission.get().malformed, headers -> admission.get().wire.requestId(headers));
        Wire.configure(server, SizeLimits.http1(config), () -> admission.get().wire);
    }

    /**
     * @param after what runs once a request is admitted, with its permit (the counting filter)
     * @return the filter, running {@code after} itself: one filter in Helidon's chain instead of two
     */
    public Filter filter(Admitted after) {
        return filter.then(after);
    }

    /** @return permits held right now: the requests admission has let in and not yet seen finish */
    public IntSupplier permitsHeld() {
        return permitsHeld;
    }

    /** @return who the caller is, as admission sees it */
    public ClientIdentity identity() {
        return identity;
    }

    @Override
    public void close() {
        malformed.close();
        metrics.close();
        replicas.close();
    }
}
