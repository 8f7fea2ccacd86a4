package dev.rotor.departure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-eviction: the drained pod asks the Kubernetes Eviction API to evict it
 * ({@code POST /api/v1/namespaces/{ns}/pods/{pod}/eviction} with a {@code policy/v1 Eviction}).
 * The ReplicaSet then creates a fresh pod, so there is no container-restart back-off, and
 * PodDisruptionBudgets are respected: a 429 means "not now", retried until the bound. A 403
 * (no RBAC) or a refusal past the bound falls back to failing liveness.
 */
public final class Evictor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Evictor.class.getName());

    private final KubernetesConfig config;
    private final HttpClient client;
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /**
     * @param config how to reach the API
     */
    public Evictor(KubernetesConfig config) {
        this.config = config;
        this.client = HttpClient.newBuilder()
                .sslContext(trusting(config))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /**
     * Outcome of one eviction run.
     */
    public enum Outcome {
        /** The API accepted: Kubernetes deletes the pod gracefully (SIGTERM follows). */
        EVICTED,
        /** Refused for good or past the bound: the caller fails liveness. */
        REFUSED
    }

    /**
     * Ask for eviction until accepted, refused for good, or past the bound.
     *
     * @return the outcome
     * @throws InterruptedException when interrupted while waiting to retry
     */
    public Outcome evict() throws InterruptedException {
        long deadline = System.nanoTime() + config.evictTimeout().toNanos();
        URI uri = config.apiUrl().resolve("/api/v1/namespaces/" + config.namespace() + "/pods/"
                                                  + config.podName() + "/eviction");
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\""
                + config.podName() + "\",\"namespace\":\"" + config.namespace() + "\"}}";
        while (true) {
            attempts.incrementAndGet();
            Duration wait = config.evictRetry();
            String problem;
            try {
                String token = Files.readString(config.tokenPath()).trim();
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(uri)
                                                               .timeout(Duration.ofSeconds(10))
                                                               .header("Authorization", "Bearer " + token)
                                                               .header("Content-Type", "application/json")
                                                               .header("Accept", "application/json")
                                                               .POST(HttpRequest.BodyPublishers.ofString(body))
                                                               .build(),
                                                       HttpResponse.BodyHandlers.ofString());
                int status = res.statusCode();
                if (status == 200 || status == 201) {
                    accepted.incrementAndGet();
                    LOG.log(Level.INFO, "eviction of pod " + config.namespace() + "/" + config.podName()
                            + " accepted (" + status + "); Kubernetes stops it and the ReplicaSet replaces it");
                    return Outcome.EVICTED;
                }
                if (status == 429) {
                    throttled.incrementAndGet();
                    wait = res.headers().firstValue("Retry-After").map(Evictor::seconds).orElse(wait);
                    problem = "429: a PodDisruptionBudget allows no disruption now";
                } else if (status == 401 || status == 403 || status == 404) {
                    failed.incrementAndGet();
                    LOG.log(Level.WARNING, "eviction of pod " + config.namespace() + "/" + config.podName()
                            + " refused with " + status + " (check the evict overlay's Role and RoleBinding)");
                    return Outcome.REFUSED;
                } else {
                    failed.incrementAndGet();
                    problem = "status " + status;
                }
            } catch (IOException e) {
                failed.incrementAndGet();
                problem = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (System.nanoTime() + wait.toNanos() > deadline) {
                LOG.log(Level.WARNING, "eviction still refused after " + config.evictTimeout() + " (" + problem + ")");
                return Outcome.REFUSED;
            }
            LOG.log(Level.INFO, "eviction not accepted yet (" + problem + "); retrying in " + wait);
            Thread.sleep(wait);
        }
    }

    /** @return eviction requests sent */
    public long attempts() {
        return attempts.get();
    }

    /** @return requests answered 200/201 */
    public long accepted() {
        return accepted.get();
    }

    /** @return requests answered 429 */
    public long throttled() {
        return throttled.get();
    }

    /** @return requests that failed otherwise */
    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        client.close();
    }

    private static Duration seconds(String retryAfter) {
        try {
            return Duration.ofSeconds(Math.max(1, Long.parseLong(retryAfter.trim())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(5);
        }
    }

    private static SSLContext trusting(KubernetesConfig config) {
        try (InputStream in = Files.newInputStream(config.caPath())) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the cluster CA at " + config.caPath() + ": " + e.getMessage(), e);
        }
    }
}
