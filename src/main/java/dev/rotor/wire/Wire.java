package dev.rotor.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.rotor.web.ApiException;
import dev.rotor.web.BufferedBody;
import dev.rotor.web.ErrorResponses;
import dev.rotor.web.RequestIds;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * The wire feature of one replica: it takes over the public listener's HTTP/1.1 connections
 * ({@link #configure}), keeps every open connection and every admitted request under its
 * deadline, and counts what it ended. A watchdog thread looks at all of them every
 * {@link #tick()}; time comes from an injected clock, so tests drive {@link #scan(long)}.
 *
 * <p>What it does on each deadline: headers late, the socket is closed (nothing can be
 * answered before a request exists); body late, {@code 408} in the JSON shape and close;
 * request late, {@code 504} if nothing was sent yet, close, and the admission permit released.
 * A handler that is still running then is stuck: Java cannot stop it, so it is counted until it
 * returns, and enough stuck work rotates the replica ({@code stuck-limit}).
 */
public final class Wire implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Wire.class.getName());
    /** File descriptors kept back from the connection cap: pools (Redis, outbound, AWS), jars, logs. */
    static final int RESERVED_DESCRIPTORS = 256;
    private static final int READ_CHUNK = 16 * 1024;

    private final WireConfig config;
    private final int maxConnections;
    private final LongSupplier nanoClock;
    private final Set<ConnectionWatch> connections = ConcurrentHashMap.newKeySet();
    /** Requests with no connection watch of their own (served off a connection's thread). */
    private final Set<RequestWatch> requests = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<ConnectionWatch> current = new ThreadLocal<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger stuck = new AtomicInteger();
    private final AtomicLong buffered = new AtomicLong();
    private final LongAdder refused = new LongAdder();
    private final LongAdder headerTimeouts = new LongAdder();
    private final LongAdder bodyTimeouts = new LongAdder();
    private final LongAdder requestTimeouts = new LongAdder();
    private final LongAdder bufferRejections = new LongAdder();
    private final LongAdder notHttp = new LongAdder();
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final RequestIds requestIds;
    private final Front front = new Front();
    private volatile ScheduledExecutorService watchdog;

    /**
     * @param config      settings
     * @param maxFiles    the process's open-file limit (-1 when unknown), see {@link #openFileLimit()}
     * @param nanoClock   monotonic clock
     * @param registry    where meters go
     */
    public Wire(WireConfig config, long maxFiles, LongSupplier nanoClock, MeterRegistry registry) {
        this.config = config;
        this.nanoClock = nanoClock;
        this.registry = registry;
        this.maxConnections = effectiveMaxConnections(config.maxConnections(), maxFiles);
        // the prefix of this replica's request ids: drawn once, so its cost is the boot's
        this.requestIds = new RequestIds(config.requestIdMaxLength(), new SecureRandom());
        registerMeters();
    }

    /**
     * @param configured {@code max-connections}
     * @param maxFiles   the open-file limit, -1 when unknown
     * @return the cap that never lets connections use up the descriptors the process needs
     */
    static int effectiveMaxConnections(int configured, long maxFiles) {
        if (maxFiles <= 0) {
            return configured;
        }
        long room = Math.max(16, maxFiles - RESERVED_DESCRIPTORS);
        return (int) Math.min(configured, room);
    }

    /** @return the process's open-file limit, or -1 where the JVM cannot tell */
    public static long openFileLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * Serve the default listener's HTTP/1.1 through the wire: deadlines, the connection cap and
     * the framing rules. Helidon's own HTTP/1.1 selector is switched off so that every connection
     * comes here from its first moment (a second selector would make Helidon read before it
     * picks one, and a silent connection would then belong to nobody).
     *
     * <p>Called while the server builder is configured, before the wire exists: the selector
     * installed here reaches the wire through {@code wire} when Helidon first asks it anything,
     * which is while it builds the listeners, after every server feature's setup (where Rotor
     * opens the wire).
     *
     * @param server the server builder
     * @param http1  the HTTP/1.1 settings (size limits) to serve with
     * @param wire   the wire, once it is open
     */
    public static void configure(WebServerConfig.Builder server, Http1Config.Builder http1, Supplier<Wire> wire) {
        server.protocolsDiscoverServices(false)
                .protocols(List.of())
                .addConnectionSelector(new LateSelector(() -> wire.get().selector(http1)));
    }

    /**
     * Run {@code filter} for every request of the wire's connections before Helidon's routing,
     * outside its filter chain ({@link Front}): what Rotor puts in front of every public route
     * (the door to {@code /observe}, admission, counting; the access log before them), without
     * the chain Helidon builds per request once a filter is on the routing.
     *
     * @param filter the filter: it calls {@code chain.proceed()} to go on, or answers instead
     * @param weight its place among the front's filters: higher runs first, equal ones in the
     *               order they were added
     * @throws IllegalStateException once the wire has served a connection
     */
    public void front(Filter filter, double weight) {
        front.add(filter, weight);
    }

    /**
     * @param http1 the HTTP/1.1 settings, left as they are: the framing rules go on a copy
     * @return a selector that hands each new connection to the wire
     */
    private ServerConnectionSelector selector(Http1Config.Builder http1) {
        FramingRules rules = new FramingRules(requestIds);
        Http1Config http1Config = Http1Config.builder().from(http1).addReceiveListener(rules).addSendListener(rules).build();
        return new Selector(Http1ConnectionSelector.builder().config(http1Config).build());
    }

    /** Start the watchdog. */
    public void start() {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("rotor-wire-watchdog").daemon(true).factory());
        long tick = tick().toNanos();
        s.scheduleAtFixedRate(() -> {
            try {
                scan(nanoClock.getAsLong());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "wire watchdog: " + e, e);
            }
        }, tick, tick, TimeUnit.NANOSECONDS);
        watchdog = s;
        LOG.log(Level.INFO, "wire: " + config.describe() + " max-connections=" + maxConnections
                + (maxConnections < config.maxConnections() ? " (lowered from " + config.maxConnections()
                + " to fit the open-file limit)" : ""));
    }

    /** @return how often the watchdog looks: a twentieth of the shortest deadline, within 50 ms to 1 s */
    Duration tick() {
        Duration shortest = config.headerTimeout();
        if (config.bodyTimeout().compareTo(shortest) < 0) {
            shortest = config.bodyTimeout();
        }
        if (config.requestTimeout().compareTo(shortest) < 0) {
            shortest = config.requestTimeout();
        }
        long ms = Math.clamp(shortest.toMillis() / 20, 50, 1000);
        return Duration.ofMillis(ms);
    }

    /**
     * Act on every deadline passed at {@code now}. A deadline counts from the first scan that
     * sees its phase or request (the connections' threads never read the clock), so a header,
     * body or request deadline ends its connection or request less than two
     * {@link #tick() ticks} after it passed (one for the look that stamps it, one for the look
     * that finds it past): with the default ticks, a tenth of the shortest deadline at most.
     *
     * @param now monotonic time in nanoseconds
     */
    public void scan(long now) {
        long header = config.headerTimeout().toNanos();
        long body = config.bodyTimeout().toNanos();
        for (ConnectionWatch c : connections) {
            long seen = c.word();
            if (!ConnectionWatch.isStamped(seen)) {
                // a phase begun since the last look: its deadline counts from now
                c.stamp(seen, now);
                continue;
            }
            ConnectionWatch.Phase phase = ConnectionWatch.phase(seen);
            long elapsed = ConnectionWatch.elapsed(seen, now);
            if (phase == ConnectionWatch.Phase.HEADERS && elapsed >= header && c.claim(seen, now)) {
                headerTimeouts.increment();
                c.closeSocket();
            } else if (phase == ConnectionWatch.Phase.BODY && elapsed >= body && c.claim(seen, now)) {
                bodyTimeouts.increment();
                String id = c.requestId();
                c.writeRaw(408, "Request Timeout", ErrorResponses.body("body_timeout", "the request body did not arrive within "
                        + config.bodyTimeout(), id).toString(), id);
                c.closeSocket();
            }
        }
        long request = config.requestTimeout().toNanos();
        for (ConnectionWatch c : connections) {
            RequestWatch r = c.request();
            if (r != null && pastDeadline(r, now, request) && r.timeOut()) {
                c.requestDone(r);
                timedOut(r, now);
            }
        }
        for (RequestWatch r : requests) {
            if (pastDeadline(r, now, request) && r.timeOut()) {
                requests.remove(r);
                timedOut(r, now);
            }
        }
    }

    /** @return whether {@code r} is past its deadline; a request seen for the first time is stamped, never past it */
    private static boolean pastDeadline(RequestWatch r, long now, long timeout) {
        long start = r.startNanos();
        if (start == RequestWatch.UNSTAMPED) {
            r.stamp(now);
            return false;
        }
        return now - start >= timeout;
    }

    private void timedOut(RequestWatch r, long now) {
        requestTimeouts.increment();
        stuck.incrementAndGet();
        r.connection().ifPresent(c -> {
            c.closed(now);
            if (!r.responseSent()) {
                String id = c.requestId();
                c.writeRaw(504, "Gateway Timeout", ErrorResponses.body("request_timeout", "the request did not finish within "
                        + config.requestTimeout() + "; its connection is closed", id).toString(), id);
            }
            c.closeSocket();
        });
    }

    /**
     * Put an admitted request under the request deadline.
     *
     * @param release      gives back what the request holds (its permit); run once, by whoever ends it
     * @param responseSent whether its response has begun
     * @return the watch; call {@link #finished(RequestWatch)} when the handler returns
     */
    public RequestWatch watchRequest(Runnable release, BooleanSupplier responseSent) {
        ConnectionWatch c = current.get();
        // no clock read here: the watchdog stamps the request's start when it first sees it
        RequestWatch r = new RequestWatch(c, release, responseSent);
        // an HTTP/1.1 connection runs one request at a time: the request rides on its connection's
        // watch (the watchdog sees every connection anyway) instead of a shared set that every
        // request would add itself to and remove itself from
        if (c != null) {
            c.request(r);
        } else {
            requests.add(r);
        }
        return r;
    }

    /**
     * Close the connections idle between requests for at least {@code idleFor}: a replica that
     * stopped accepting lets them go rather than wait for their keep-alive timeout. A request
     * that a client sends on one at that very moment is the ordinary keep-alive race, which is
     * why a connection just back from a response is left alone.
     *
     * @param idleFor how long a connection must have been idle
     * @return how many were closed
     */
    public int closeIdle(java.time.Duration idleFor) {
        long now = nanoClock.getAsLong();
        int closed = 0;
        for (ConnectionWatch c : connections) {
            long seen = c.word();
            if (ConnectionWatch.phase(seen) != ConnectionWatch.Phase.IDLE) {
                continue;
            }
            if (!ConnectionWatch.isStamped(seen)) {
                // back from a response since the last look: idle from now on, at the earliest
                c.stamp(seen, now);
            } else if (ConnectionWatch.elapsed(seen, now) >= idleFor.toNanos() && c.claim(seen, now)) {
                // claimed from exactly the idle state seen: a request that began meanwhile is left alone
                c.closeSocket();
                closed++;
            }
        }
        return closed;
    }

    /**
     * What holds the admitted requests right now, for the log line of a 503: how many are in
     * flight, how many of those have already sent their response (their handlers are returning),
     * and the age of the oldest. Walks the requests in flight: for rejections only, never per request.
     *
     * @return e.g. {@code 50 in flight (12 already answered), the oldest 35 ms}
     */
    public String inFlightSummary() {
        long now = nanoClock.getAsLong();
        int all = 0;
        int answered = 0;
        long oldest = 0;
        for (RequestWatch r : requests) {
            all++;
            if (r.responseSent()) {
                answered++;
            }
            long start = r.startNanos();
            if (start != RequestWatch.UNSTAMPED) {
                oldest = Math.max(oldest, now - start);
            }
        }
        return all + " in flight (" + answered + " already answered), the oldest " + oldest / 1_000_000 + " ms; "
                + open.get() + " connections open";
    }

    /**
     * The request's handler returned; what it held is released unless the watchdog did so already.
     *
     * @param r the request's watch
     */
    public void finished(RequestWatch r) {
        ConnectionWatch c = r.connectionOrNull();
        if (c != null) {
            c.requestDone(r);
        } else {
            requests.remove(r);
        }
        if (r.finished()) {
            stuck.decrementAndGet();
            LOG.log(Level.INFO, "a handler timed out earlier returned; stuck work now " + stuck.get());
        } else {
            r.release();
        }
    }

    /**
     * Read a request's whole body before it takes a concurrency permit, so that a client that
     * stalls its body holds a connection and a parked virtual thread, never a permit. The
     * bytes held at once across all requests are bounded ({@code max-buffered-bodies}).
     *
     * @param req      the request
     * @param maxBytes the largest body accepted
     * @return the body, also registered in the request's context as {@link BufferedBody}
     */
    public Optional<Held> bufferBody(ServerRequest req, long maxBytes) {
        if (!req.content().hasEntity()) {
            return Optional.empty();
        }
        ConnectionWatch watch = current.get();
        Held held = new Held();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[READ_CHUNK];
        try (InputStream in = req.content().inputStream()) {
            int n;
            while ((n = in.read(chunk)) != -1) {
                if (out.size() + n > maxBytes) {
                    held.close();
                    throw new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large",
                                           "the body is larger than " + maxBytes + " bytes");
                }
                if (!held.reserve(n)) {
                    held.close();
                    bufferRejections.increment();
                    throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "server_busy",
                                           "the server holds its limit of " + config.maxBufferedBodies()
                                                   + " bytes of request bodies; retry shortly");
                }
                out.write(chunk, 0, n);
            }
        } catch (IOException | UncheckedIOException | io.helidon.webserver.ServerConnectionException e) {
            held.close();
            // the watchdog closed the socket (its 408 is written) or the client went away
            throw new CloseConnectionException("request body not read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
        if (watch != null) {
            watch.bodyRead();
        }
        req.context().register(new BufferedBody(out.toByteArray()));
        return Optional.of(held);
    }

    /** Bytes of a buffered body, held against {@code max-buffered-bodies} until closed. */
    public final class Held implements AutoCloseable {
        private long bytes;

        private boolean reserve(long n) {
            long after = buffered.addAndGet(n);
            if (after > config.maxBufferedBodies()) {
                buffered.addAndGet(-n);
                return false;
            }
            bytes += n;
            return true;
        }

        @Override
        public void close() {
            buffered.addAndGet(-bytes);
            bytes = 0;
        }
    }

    /**
     * The id of the request the calling thread serves ({@link RequestIds}): named by the wire as
     * soon as its header section was read, so that every answer to it (the route's, admission's,
     * the watchdog's 408 and 504, a refusal by the server) carries the same one.
     *
     * @param headers the request's headers, for a request the wire does not watch (one served
     *                off its connection's thread, or on another listener): named from them
     * @return the id
     */
    public String requestId(Headers headers) {
        ConnectionWatch c = current.get();
        String id = c == null ? null : c.requestId();
        return id != null ? id : requestIds.of(headers);
    }

    /** @return handlers still running past the request timeout */
    public int stuck() {
        return stuck.get();
    }

    /** @return open connections on the public port */
    public int openConnections() {
        return open.get();
    }

    /** @return the effective connection cap */
    public int maxConnections() {
        return maxConnections;
    }

    /** @return settings */
    public WireConfig config() {
        return config;
    }

    boolean admitConnection() {
        while (true) {
            int n = open.get();
            if (n >= maxConnections) {
                refused.increment();
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void opened(ConnectionWatch watch) {
        connections.add(watch);
        current.set(watch);
    }

    void closed(ConnectionWatch watch) {
        current.remove();
        connections.remove(watch);
        watch.closed(nanoClock.getAsLong());
        open.decrementAndGet();
    }

    @Override
    public void close() {
        ScheduledExecutorService s = watchdog;
        if (s != null) {
            s.shutdownNow();
        }
        meters.forEach(registry::remove);
    }

    private void registerMeters() {
        meters.add(registry.getOrCreate(Gauge.builder("rotor.connections.open", open::get)
                                                .description("Open connections on the public port")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.connections.max", () -> maxConnections)
                                                .description("Most connections the public port keeps open; past it new ones are closed at once")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.connections.refused", refused, LongAdder::sum)
                                                .description("Connections closed at once because the cap was reached")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.requests.stuck", stuck::get)
                                                .description("Handlers still running past the request timeout")));
        meters.add(registry.getOrCreate(Gauge.builder("rotor.request.bodies.buffered.bytes", buffered::get)
                                                .description("Bytes of request bodies held in memory")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.request.bodies.rejected", bufferRejections, LongAdder::sum)
                                                .description("Requests refused because the body buffer was full")));
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.connections.not.http", notHttp, LongAdder::sum)
                                                .description("Connections closed because their first bytes were not an HTTP request")));
        timeoutCounter("header", headerTimeouts);
        timeoutCounter("body", bodyTimeouts);
        timeoutCounter("request", requestTimeouts);
    }

    private void timeoutCounter(String kind, LongAdder adder) {
        meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.wire.timeouts", adder, LongAdder::sum)
                                                .tags(List.of(Tag.create("kind", kind)))
                                                .description("Connections or requests ended by a wire deadline")));
    }

    /** The only HTTP/1.1 selector of the public listener: every connection is watched from accept. */
    private final class Selector implements ServerConnectionSelector {
        private final Http1ConnectionSelector http;

        private Selector(Http1ConnectionSelector http) {
            this.http = http;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return http.bytesToIdentifyConnection();
        }

        @Override
        public Support supports(BufferData data) {
            return http.supports(data);
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return http.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            if (!admitConnection()) {
                return Refused.INSTANCE;
            }
            WatchedContext watched = new WatchedContext(ctx, nanoClock, notHttp::increment, requestIds.sequence(), front::around);
            return new GuardedConnection(http.connection(watched), watched, Wire.this);
        }
    }

    /** Past the cap: the handler returns at once and Helidon closes the socket. */
    private enum Refused implements ServerConnection {
        INSTANCE;

        @Override
        public void handle(io.helidon.common.concurrency.limits.Limit limit) {
            // nothing to do: returning closes the socket
        }

        @Override
        public Duration idleTime() {
            return Duration.ZERO;
        }

        @Override
        public void close(boolean interrupt) {
        }
    }
}
