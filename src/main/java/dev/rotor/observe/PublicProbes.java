package dev.rotor.observe;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

import dev.rotor.web.ErrorResponses;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The three probes a load balancer or an orchestrator needs, on the public port:
 * {@code /observe/health/started}, {@code /ready} and {@code /live}. Each answer is one of two
 * fixed bodies, {@code {"status":"UP"}} (200) or {@code {"status":"DOWN"}} (503), from one
 * flag of the lifecycle: nothing a client sends (query, headers, body) changes what it costs.
 * The details (replica, state, served, quota) are on the admin port's health endpoint.
 *
 * <p>Probes skip admission (a probe must answer while the permits are taken, or a busy replica
 * would look dead), so they have permits of their own, apart from the public requests': at most
 * {@code probe-concurrency} answers at once for direct callers (the kubelet, HAProxy's checks,
 * the platform's health checker: none of them sends a forwarding header) and
 * {@code forwarded-probe-concurrency} for callers behind a proxy (anyone outside, through an
 * ingress or a front door). Past them a probe gets 503 {@code too_many_probes} at once, so a
 * flood of probes takes no permit of a public request, and a flood from outside cannot take
 * the permits of the orchestrator's own probes.
 *
 * <pre>
 * rotor_probes_permits{source=direct|forwarded,state=capacity|in_use}
 * rotor_probes_rejected_total{source=direct|forwarded}
 * </pre>
 */
final class PublicProbes implements AutoCloseable {
    /** What a proxy in front adds; the orchestrator's own probes carry none of them. */
    private static final List<HeaderName> FORWARDING = List.of(HeaderNames.X_FORWARDED_FOR, HeaderNames.FORWARDED,
                                                               HeaderNames.create("X-Real-IP"),
                                                               HeaderNames.create("CF-Connecting-IP"),
                                                               HeaderNames.create("True-Client-IP"));
    private static final byte[] UP = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DOWN = "{\"status\":\"DOWN\"}".getBytes(StandardCharsets.US_ASCII);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final Map<String, BooleanSupplier> checks;
    private final Pool direct;
    private final Pool forwarded;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param config   the probe bounds
     * @param started  the startup probe's flag
     * @param ready    the readiness probe's flag
     * @param live     the liveness probe's flag
     * @param registry where the bounds are exported
     */
    PublicProbes(ObserveConfig config, BooleanSupplier started, BooleanSupplier ready, BooleanSupplier live,
                 MeterRegistry registry) {
        this.checks = Map.of("/observe/health/started", started, "/observe/health/ready", ready,
                             "/observe/health/live", live);
        this.direct = new Pool("direct", config.probeConcurrency());
        this.forwarded = new Pool("forwarded", config.forwardedProbeConcurrency());
        this.registry = registry;
        for (Pool pool : List.of(direct, forwarded)) {
            for (String state : List.of("capacity", "in_use")) {
                meters.add(registry.getOrCreate(
                        Gauge.builder("rotor.probes.permits", () -> state.equals("capacity") ? pool.capacity
                                : pool.capacity - pool.permits.availablePermits())
                                .tags(List.of(Tag.create("source", pool.source), Tag.create("state", state)))
                                .description("Permits of the public probes by caller and state")));
            }
            meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.probes.rejected", pool.rejected,
                                                                      LongAdder::sum)
                                                    .tags(List.of(Tag.create("source", pool.source)))
                                                    .description("Public probes refused with 503 for want of a permit")));
        }
    }

    /**
     * @param path a request path
     * @return whether it is one of the three probes
     */
    boolean isProbe(String path) {
        return checks.containsKey(path);
    }

    /**
     * Answer a probe.
     *
     * @param path one of the three probe paths
     * @param req  the request
     * @param res  the response
     */
    void answer(String path, ServerRequest req, ServerResponse res) {
        Method method = req.prologue().method();
        if (!method.equals(Method.GET) && !method.equals(Method.HEAD)) {
            res.header(HeaderNames.ALLOW, "GET, HEAD");
            ErrorResponses.send(res, Status.METHOD_NOT_ALLOWED_405, "method_not_allowed",
                                "a probe answers GET and HEAD only", null);
            return;
        }
        Pool pool = forwarded(req.headers()) ? forwarded : direct;
        if (!pool.permits.tryAcquire()) {
            pool.rejected.increment();
            ErrorResponses.send(res, Status.SERVICE_UNAVAILABLE_503, "too_many_probes",
                                "this replica is answering its limit of " + pool.capacity
                                        + " probes at once; retry shortly", RETRY_AFTER);
            return;
        }
        try {
            boolean up = checks.get(path).getAsBoolean();
            res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.send(up ? UP : DOWN);
        } finally {
            pool.permits.release();
        }
    }

    static boolean forwarded(Headers headers) {
        for (HeaderName name : FORWARDING) {
            if (headers.contains(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }

    private static final class Pool {
        private final String source;
        private final int capacity;
        private final Semaphore permits;
        private final LongAdder rejected = new LongAdder();

        private Pool(String source, int capacity) {
            this.source = source;
            this.capacity = capacity;
            this.permits = new Semaphore(capacity);
        }
    }
}
