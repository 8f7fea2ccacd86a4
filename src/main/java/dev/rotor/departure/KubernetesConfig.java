package dev.rotor.departure;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.rotor.config.Settings;

/**
 * How the pod reaches the Kubernetes API for self-eviction ({@code rotor.kubernetes}).
 *
 * @param apiUrl       API server base URL
 * @param tokenPath    service account token (re-read for every call: projected tokens rotate)
 * @param caPath       CA bundle that signed the API server's certificate
 * @param podName      this pod (downward API)
 * @param namespace    its namespace (downward API)
 * @param evictTimeout how long refused evictions (429 from a PodDisruptionBudget, API errors) are retried before liveness takes over
 * @param evictRetry   wait between attempts when the API gives no Retry-After
 */
public record KubernetesConfig(URI apiUrl, Path tokenPath, Path caPath, String podName, String namespace,
                               Duration evictTimeout, Duration evictRetry) {
    /**
     * @param s        the {@code rotor.kubernetes} node
     * @param required whether evict mode is on (then every part must be usable)
     * @return validated settings
     */
    public static KubernetesConfig from(Settings s, boolean required) {
        KubernetesConfig c = new KubernetesConfig(URI.create(s.string("api-url").trim()),
                                                  Path.of(s.string("token-path").trim()),
                                                  Path.of(s.string("ca-path").trim()),
                                                  s.optionalString("pod-name").orElse(""),
                                                  s.optionalString("namespace").orElse(""),
                                                  s.duration("evict-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                                                  s.duration("evict-retry", Duration.ofMillis(10), Duration.ofMinutes(5)));
        if (required) {
            if (c.podName.isEmpty()) {
                throw s.invalid("pod-name", "is required with ROTOR_EXIT_MODE=evict (set it from the downward API: metadata.name)");
            }
            if (c.namespace.isEmpty()) {
                throw s.invalid("namespace", "is required with ROTOR_EXIT_MODE=evict (downward API: metadata.namespace)");
            }
            if (!Files.isReadable(c.tokenPath)) {
                throw s.invalid("token-path", "is not readable: evict mode needs the pod's service account token");
            }
            if (!Files.isReadable(c.caPath)) {
                throw s.invalid("ca-path", "is not readable: evict mode needs the cluster CA");
            }
        }
        return c;
    }
}
