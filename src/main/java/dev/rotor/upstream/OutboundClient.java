package dev.rotor.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.web.ApiException;

import io.helidon.http.Status;
import org.apache.http.Header;
import org.apache.http.HttpHeaders;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.conn.ConnectTimeoutException;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.impl.DefaultConnectionReuseStrategy;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.pool.PoolStats;

/**
 * The replica's one outbound HTTP client, shared by every upstream (chat, geo-IP), built once
 * in {@code Replica} and closed on shutdown.
 *
 * <p>Why Apache HttpClient 4.5 (the one the AWS SDK's {@code apache-client} brings anyway):
 * its pool is a real, per-client cap on open connections ({@code maxTotal} counts leased and
 * idle ones), a bounded wait for a free connection ({@code connectionRequestTimeout}), and
 * shows total, leased, idle and waiting as HikariCP does. {@code java.net.http.HttpClient}
 * bounds only its idle pool, through a JVM-wide system property read once, and opens a new
 * connection for every concurrent request; Helidon's WebClient {@code connection-cache-size}
 * also bounds only idle connections. Either would need a semaphore in front and still could
 * not report or bound what the pool holds. Blocking I/O suits the virtual threads that run
 * our handlers.
 *
 * <p>Bounds: at most {@code max-connections} open; at most {@code max-keepalive} idle (a
 * response that finds the idle pool full closes its connection, and every release trims the
 * idle connections beyond the bound, see {@link OutboundPool}); idle ones
 * closed after {@code keepalive-idle}; opening or waiting for a connection bounded by
 * {@code connect-timeout} (then 503 naming the pool's state); each call bounded as a whole by
 * its timeout (then the request is aborted: 504); response bodies bounded by
 * {@code max-response-bytes} (then 502).
 */
public final class OutboundClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OutboundClient.class.getName());

    private final OutboundConfig config;
    private final OutboundPool pool;
    private final CloseableHttpClient client;
    private final RequestConfig defaults;
    private final ScheduledExecutorService deadlines;
    private final UpstreamMetrics metrics;
    private final AtomicLong rejected = new AtomicLong();

    /**
     * A finished exchange.
     *
     * @param status     HTTP status
     * @param retryAfter the {@code Retry-After} header, if any
     * @param body       the body, at most {@code max-response-bytes}
     */
    public record Response(int status, Optional<String> retryAfter, byte[] body) {
    }

    /**
     * @param config  bounds
     * @param metrics where latency and errors go
     */
    public OutboundClient(OutboundConfig config, UpstreamMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.pool = new OutboundPool();
        pool.setMaxTotal(config.maxConnections());
        pool.setDefaultMaxPerRoute(config.maxConnections());
        pool.setValidateAfterInactivity(1000);
        int timeoutMs = (int) config.connectTimeout().toMillis();
        this.defaults = RequestConfig.custom()
                .setConnectTimeout(timeoutMs)
                .setConnectionRequestTimeout(timeoutMs)
                .setSocketTimeout((int) config.readTimeout().toMillis())
                .setRedirectsEnabled(false)
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(defaults)
                .setConnectionReuseStrategy((response, context) ->
                        DefaultConnectionReuseStrategy.INSTANCE.keepAlive(response, context)
                                && (pool.getTotalStats().getAvailable() < config.maxKeepAlive()
                                    // a waiting caller takes it at once: closing it would cost a new one
                                    || pool.getTotalStats().getPending() > 0))
                .evictIdleConnections(config.keepAliveIdle().toMillis(), TimeUnit.MILLISECONDS)
                .evictExpiredConnections()
                .disableAutomaticRetries() // a retried chat call costs twice; callers decide
                .disableCookieManagement()
                .disableContentCompression()
                .setUserAgent("rotor")
                .build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("rotor-outbound-deadlines").daemon().factory());
        LOG.log(Level.INFO, "outbound HTTP: at most " + config.maxConnections() + " connections ("
                + config.maxKeepAlive() + " kept alive for " + config.keepAliveIdle() + "), connect and pool wait "
                + config.connectTimeout() + ", default call timeout " + config.readTimeout() + ", responses up to "
                + config.maxResponseBytes() + " bytes");
    }

    /**
     * Run one exchange within a deadline.
     *
     * @param upstream name for metrics and messages ({@code chat}, {@code geoip})
     * @param request  the request (its URI must not carry secrets: it can appear in messages)
     * @param timeout  bound on the whole exchange, connection wait included
     * @return the response
     * @throws ApiException 503 when no connection was free in time, 504 past the deadline,
     *                      502 when the upstream could not be reached or answered too much
     */
    public Response exchange(String upstream, HttpRequestBase request, Duration timeout) {
        URI uri = request.getURI();
        request.setConfig(RequestConfig.copy(defaults).setSocketTimeout((int) Math.max(1, timeout.toMillis())).build());
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            timedOut.set(true);
            request.abort();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        long start = System.nanoTime();
        try (CloseableHttpResponse response = client.execute(request)) {
            int status = response.getStatusLine().getStatusCode();
            Header retry = response.getFirstHeader(HttpHeaders.RETRY_AFTER);
            byte[] body = new byte[0];
            if (response.getEntity() != null) {
                try (InputStream in = response.getEntity().getContent()) {
                    body = in.readNBytes(config.maxResponseBytes() + 1);
                }
            }
            if (body.length > config.maxResponseBytes()) {
                metrics.error(upstream, "too_large");
                throw new ApiException(Status.BAD_GATEWAY_502, "upstream_bad_response", upstream
                        + " upstream answered more than " + config.maxResponseBytes() + " bytes");
            }
            metrics.latency(upstream, System.nanoTime() - start);
            return new Response(status, Optional.ofNullable(retry).map(Header::getValue), body);
        } catch (ConnectionPoolTimeoutException e) {
            rejected.incrementAndGet();
            metrics.error(upstream, "pool_exhausted");
            PoolStats s = pool.getTotalStats();
            throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "outbound_pool_exhausted",
                                   "outbound connection is not available, request timed out after "
                                           + config.connectTimeout().toMillis() + "ms (max=" + s.getMax() + ", total="
                                           + (s.getLeased() + s.getAvailable()) + ", active=" + s.getLeased() + ", idle="
                                           + s.getAvailable() + ", waiting=" + s.getPending() + ")",
                                   Duration.ofSeconds(1));
        } catch (ConnectTimeoutException e) {
            metrics.error(upstream, "connect_timeout");
            throw new ApiException(Status.GATEWAY_TIMEOUT_504, "upstream_timeout", upstream + " upstream at "
                    + origin(uri) + " did not accept a connection within "
                    + config.connectTimeout());
        } catch (IOException e) {
            if (timedOut.get() || e instanceof SocketTimeoutException
                    || (e instanceof InterruptedIOException && !(e instanceof java.net.SocketException))) {
                metrics.error(upstream, "timeout");
                throw new ApiException(Status.GATEWAY_TIMEOUT_504, "upstream_timeout", upstream
                        + " upstream did not answer within " + timeout);
            }
            metrics.error(upstream, "connection");
            throw new ApiException(Status.BAD_GATEWAY_502, "upstream_unavailable", upstream + " upstream at "
                    + origin(uri) + " failed: " + e.getClass().getSimpleName());
        } finally {
            deadline.cancel(false);
            pool.trimIdle(config.maxKeepAlive()); // the connection is back in the pool by now
        }
    }

    /** scheme, host and port: never user info, path or query, which may carry a key */
    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    /** @return connections borrowed right now */
    public int active() {
        return pool.getTotalStats().getLeased();
    }

    /** @return idle connections kept for reuse */
    public int idle() {
        return pool.getTotalStats().getAvailable();
    }

    /** @return callers waiting for a connection */
    public int waiting() {
        return pool.getTotalStats().getPending();
    }

    /** @return the cap */
    public int max() {
        return config.maxConnections();
    }

    /** @return calls refused because no connection was free within the connect timeout */
    public long rejected() {
        return rejected.get();
    }

    /** @return the bounds */
    public OutboundConfig config() {
        return config;
    }

    @Override
    public void close() throws IOException {
        deadlines.shutdownNow();
        client.close();
    }
}
