package dev.rotor.monitoring;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.metrics.api.MeterRegistry;

import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * Sends the {@link KeyMeters} to CloudWatch every period, from one background thread, never
 * on a request's path: a slow or failing CloudWatch delays only the next publish. A publish
 * is bounded by the configured timeout (retries included, standard retry mode). Failures are
 * logged once when publishing starts failing and once when it recovers, never per attempt.
 *
 * <p>Why not Micrometer's CloudWatch registry: it would be a second registry beside Helidon's
 * (which owns the meters), would publish every meter (JVM and system ones included: each a
 * billed custom metric) and would bring its own scheduling; five meters read from the
 * registry Prometheus scrapes need one class.
 */
public final class CloudWatchPublisher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CloudWatchPublisher.class.getName());

    private final CloudWatchConfig config;
    private final String namespace;
    private final CloudWatchClient client;
    private final KeyMeters meters;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean failing;

    /**
     * @param config   settings; {@code config.namespace()} must be present
     * @param client   the CloudWatch client (see {@link #client(CloudWatchConfig)})
     * @param registry where the meters are read
     */
    public CloudWatchPublisher(CloudWatchConfig config, CloudWatchClient client, MeterRegistry registry) {
        this.config = config;
        this.namespace = config.namespace().orElseThrow();
        this.client = client;
        this.meters = new KeyMeters(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("rotor-cloudwatch").daemon().factory());
        long period = config.period().toNanos();
        // fixed delay, not rate: a publish that hangs until its timeout never queues up others
        scheduler.scheduleWithFixedDelay(this::publish, period, period, TimeUnit.NANOSECONDS);
        LOG.log(Level.INFO, "CloudWatch: publishing Requests, Rotations, Rejections, SessionsActive, HeapUsed to "
                + namespace + " every " + config.period() + " (pool " + config.maxConnections() + ", timeout "
                + config.timeout() + ", standard retries" + config.endpoint().map(e -> ", endpoint " + e).orElse("")
                + "; region and credentials from the AWS default chain)");
    }

    /**
     * Build the SDK client: a bounded Apache pool, standard retries, every call bounded.
     *
     * @param config settings
     * @return the client; the caller closes it
     */
    public static CloudWatchClient client(CloudWatchConfig config) {
        var builder = CloudWatchClient.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                                           .maxConnections(config.maxConnections())
                                           .connectionTimeout(config.timeout())
                                           .connectionAcquisitionTimeout(config.timeout())
                                           .socketTimeout(config.timeout()))
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD)
                        .apiCallTimeout(config.timeout()));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** One publish; never throws. */
    void publish() {
        try {
            Instant now = Instant.now();
            List<MetricDatum> data = meters.read().stream()
                    .map(d -> MetricDatum.builder()
                            .metricName(d.name())
                            .unit(StandardUnit.fromValue(d.unit()))
                            .value(d.value())
                            .timestamp(now)
                            .dimensions(Dimension.builder().name("Service").value("rotor").build())
                            .build())
                    .toList();
            client.putMetricData(r -> r.namespace(namespace).metricData(data));
            published.incrementAndGet();
            if (failing || published.get() == 1) {
                LOG.log(Level.INFO, "CloudWatch: " + (failing ? "publishing works again" : "first publish done")
                        + " (" + data.size() + " metrics to " + namespace + ")");
            }
            failing = false;
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            if (!failing) {
                failing = true;
                LOG.log(Level.WARNING, "CloudWatch: publishing to " + namespace + " failed (" + e.getClass().getSimpleName()
                        + ": " + e.getMessage() + "); retrying every " + config.period() + ", logged again once it works");
            }
        }
    }

    /** @return successful publishes */
    public long published() {
        return published.get();
    }

    /** @return failed publishes */
    public long failed() {
        return failed.get();
    }

    /** Stop publishing; the caller closes the client afterwards. */
    @Override
    public void close() throws InterruptedException {
        scheduler.shutdownNow();
        scheduler.awaitTermination(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    }
}
