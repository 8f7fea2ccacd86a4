package dev.rotor.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The documented environment variables and the configuration keys they override.
 *
 * <p>Helidon's own environment mapping ({@code SERVER_PORT -> server.port}) is switched
 * off: only the friendly names listed here are read, so that a stray variable never
 * changes a setting and every error can name the variable the operator actually set.
 * An empty variable counts as set to an empty value (used to clear optional keys).
 */
public final class EnvOverrides {
    /** Variable name -> configuration key, in the order the README documents them. */
    public static final Map<String, String> KEYS = keys();
    /**
     * gunicorn's variables (the original deployment's) -> the documented variable each stands
     * for. The documented name wins when both are set.
     */
    public static final Map<String, String> ALIASES = aliases();
    /** The worker count (read by the supervisor, deploy/image/workers.sh), explained when a JVM runs without it. */
    public static final List<String> WORKER_VARIABLES = List.of("ROTOR_WORKERS", "WORKERS", "GUNICORN_WORKERS");

    private EnvOverrides() {
    }

    private static Map<String, String> keys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PORT", "server.port");
        m.put("ROTOR_HOST", "server.host");
        m.put("LOG_LEVEL", "rotor.log-level");
        m.put("ROTOR_LOG_FORMAT", "rotor.log-format");
        m.put("ROTOR_ACCESS_LOG", "rotor.access-log");
        m.put("ROTOR_ACCESS_LOG_QUEUE", "rotor.access-log-queue");
        m.put("ROTOR_ADMIN_PORT", "rotor.admin-port");
        m.put("ROTOR_OBSERVE_TOKEN", "rotor.observe.token");
        m.put("ROTOR_PROBE_CONCURRENCY", "rotor.observe.probe-concurrency");
        m.put("ROTOR_FORWARDED_PROBE_CONCURRENCY", "rotor.observe.forwarded-probe-concurrency");
        m.put("ROTOR_REPLICA_ID", "rotor.replica-id");
        m.put("REDIS_URL", "rotor.redis.url");
        m.put("REDIS_SENTINELS", "rotor.redis.sentinels");
        m.put("REDIS_SENTINEL_MASTER", "rotor.redis.sentinel-master");
        m.put("REDIS_SENTINEL_PASSWORD", "rotor.redis.sentinel-password");
        m.put("REDIS_PASSWORD", "rotor.redis.password");
        m.put("REDIS_USER", "rotor.redis.user");
        m.put("REDIS_POOL_MAX", "rotor.redis.pool-max");
        m.put("ROTOR_REDIS_CONNECT_TIMEOUT", "rotor.redis.connect-timeout");
        m.put("ROTOR_REDIS_TIMEOUT", "rotor.redis.socket-timeout");
        m.put("ROTOR_REDIS_BORROW_TIMEOUT", "rotor.redis.borrow-timeout");
        m.put("ROTOR_REDIS_CIRCUIT_FAILURES", "rotor.redis.circuit.failure-threshold");
        m.put("ROTOR_REDIS_CIRCUIT_OPEN_FOR", "rotor.redis.circuit.open-for");
        m.put("ROTOR_MAX_PAYLOAD_SIZE", "rotor.admission.max-payload-size");
        m.put("ROTOR_MAX_HEADER_SIZE", "rotor.admission.max-header-size");
        m.put("ROTOR_MAX_PROLOGUE_LENGTH", "rotor.admission.max-prologue-length");
        m.put("MAX_CONCURRENT_REQUESTS", "rotor.admission.max-concurrent-requests");
        m.put("ROTOR_QUEUE_LENGTH", "rotor.admission.queue-length");
        m.put("ROTOR_QUEUE_TIMEOUT", "rotor.admission.queue-timeout");
        m.put("ROTOR_RATE_LIMIT", "rotor.admission.rate-limit");
        m.put("ROTOR_TRUSTED_PROXIES", "rotor.admission.trusted-proxies");
        m.put("ROTOR_CLIENT_IP_HEADER", "rotor.admission.client-ip-header");
        m.put("ROTOR_EXPECTED_REPLICAS", "rotor.admission.expected-replicas");
        m.put("ROTOR_RATE_LIMIT_MAX_CLIENTS", "rotor.admission.max-tracked-clients");
        m.put("ROTOR_RATE_LIMIT_SLICE", "rotor.admission.rate-limit-slice");
        m.put("ROTOR_MALFORMED_LOG_INTERVAL", "rotor.admission.malformed-log-interval");
        m.put("ROTOR_HEADER_TIMEOUT", "rotor.wire.header-timeout");
        m.put("ROTOR_BODY_TIMEOUT", "rotor.wire.body-timeout");
        m.put("ROTOR_REQUEST_TIMEOUT", "rotor.wire.request-timeout");
        m.put("ROTOR_STUCK_LIMIT", "rotor.wire.stuck-limit");
        m.put("ROTOR_MAX_CONNECTIONS", "rotor.wire.max-connections");
        m.put("ROTOR_MAX_BUFFERED_BODIES", "rotor.wire.max-buffered-bodies");
        m.put("ROTOR_REQUEST_ID_MAX_LENGTH", "rotor.wire.request-id-max-length");
        m.put("ROTOR_MAX_REQUESTS", "rotor.lifecycle.max-requests");
        m.put("ROTOR_MAX_REQUESTS_JITTER", "rotor.lifecycle.max-requests-jitter");
        m.put("ROTOR_MIN_LIFETIME", "rotor.lifecycle.min-lifetime");
        m.put("ROTOR_DRAIN_PERIOD", "rotor.lifecycle.drain-period");
        m.put("ROTOR_DRAIN_TIMEOUT", "rotor.lifecycle.drain-timeout");
        m.put("ROTOR_SHUTDOWN_DRAIN_PERIOD", "rotor.lifecycle.shutdown-drain-period");
        m.put("ROTOR_FRONT_TIMEOUT", "rotor.chain.front-timeout");
        m.put("ROTOR_STOP_GRACE_PERIOD", "rotor.chain.stop-grace-period");
        m.put("ROTOR_EXIT_MODE", "rotor.lifecycle.exit-mode");
        m.put("ROTOR_EXIT_CODE", "rotor.lifecycle.exit-code");
        m.put("ROTOR_MAX_LIFETIME", "rotor.lifecycle.max-lifetime");
        m.put("ROTOR_MAX_LIFETIME_JITTER", "rotor.lifecycle.max-lifetime-jitter");
        m.put("ROTOR_ROTATION_CEILING", "rotor.lifecycle.rotation-ceiling");
        m.put("ROTOR_MAX_HEAP_AFTER_GC", "rotor.lifecycle.max-heap-after-gc");
        m.put("ROTOR_HEAP_AFTER_GC_COLLECTIONS", "rotor.lifecycle.heap-after-gc-collections");
        m.put("ROTOR_MAX_CONTAINER_MEMORY", "rotor.lifecycle.max-container-memory");
        m.put("ROTOR_CGROUP_PATH", "rotor.lifecycle.cgroup-path");
        m.put("ROTOR_WARMUP_REQUESTS", "rotor.warmup.requests");
        m.put("ROTOR_WORKER_DIR", "rotor.worker.dir");
        m.put("ROTOR_WORKER_SLOT", "rotor.worker.slot");
        m.put("ROTOR_WORKER_SUCCESSOR", "rotor.worker.successor");
        m.put("ROTOR_WARMUP_TIMEOUT", "rotor.warmup.timeout");
        m.put("ROTOR_SERVICE_NAME", "rotor.fleet.service-name");
        m.put("ROTOR_MAX_CONCURRENT_ROTATIONS", "rotor.fleet.max-concurrent-rotations");
        m.put("ROTOR_ROTATION_LEASE_TTL", "rotor.fleet.lease-ttl");
        m.put("ROTOR_ROTATION_LEASE_RETRY", "rotor.fleet.lease-retry");
        m.put("ROTOR_ROTATION_LEASE_HOLD", "rotor.fleet.lease-hold");
        m.put("ROTOR_ROTATION_LEASE_OUTAGE_WAIT", "rotor.fleet.lease-outage-wait");
        m.put("ROTOR_LEAK_REPORT", "rotor.fleet.leak-report");
        m.put("ROTOR_LEAK_REPORT_WARMUP", "rotor.fleet.leak-report-warmup");
        m.put("ROTOR_LEAK_REPORT_TOP", "rotor.fleet.leak-report-top");
        m.put("ROTOR_KUBERNETES_API", "rotor.kubernetes.api-url");
        m.put("ROTOR_KUBERNETES_TOKEN_PATH", "rotor.kubernetes.token-path");
        m.put("ROTOR_KUBERNETES_CA_PATH", "rotor.kubernetes.ca-path");
        m.put("POD_NAME", "rotor.kubernetes.pod-name");
        m.put("POD_NAMESPACE", "rotor.kubernetes.namespace");
        m.put("ROTOR_EVICT_TIMEOUT", "rotor.kubernetes.evict-timeout");
        m.put("ROTOR_EVICT_RETRY", "rotor.kubernetes.evict-retry");
        m.put("ROTOR_DEMO_ENDPOINTS", "rotor.demo.endpoints");
        m.put("ROTOR_DEMO_MAX_WORK", "rotor.demo.max-work");
        m.put("ROTOR_DEMO_LEAK_BYTES_PER_REQUEST", "rotor.demo.leak-bytes-per-request");
        m.put("MAX_ACTIVE_INSTANCES", "rotor.session.max-active");
        m.put("ROTOR_SESSION_IDLE_TTL", "rotor.session.idle-ttl");
        m.put("ROTOR_SESSION_HISTORY", "rotor.session.history");
        m.put("ROTOR_SESSION_MAX_MESSAGES", "rotor.session.max-messages");
        m.put("ROTOR_MAX_MESSAGE_CHARS", "rotor.session.max-message-chars");
        m.put("ROTOR_SESSION_FLUSH_TIMEOUT", "rotor.session.flush-timeout");
        m.put("ROTOR_SESSION_CACHE_LAG", "rotor.session.cache-lag");
        m.put("ROTOR_SESSION_TOUCH_PERIOD", "rotor.session.touch-period");
        m.put("TOGETHER_API_KEY", "rotor.chat.api-key");
        m.put("ROTOR_CHAT_BASE_URL", "rotor.chat.base-url");
        m.put("ROTOR_CHAT_MODEL", "rotor.chat.model");
        m.put("TOGETHER_API_TIMEOUT", "rotor.chat.timeout");
        m.put("ROTOR_CHAT_MAX_TOKENS", "rotor.chat.max-tokens");
        m.put("ROTOR_HTTP_MAX_CONNECTIONS", "rotor.outbound.max-connections");
        m.put("ROTOR_HTTP_MAX_KEEPALIVE", "rotor.outbound.max-keepalive");
        m.put("ROTOR_HTTP_KEEPALIVE_IDLE", "rotor.outbound.keepalive-idle");
        m.put("ROTOR_HTTP_CONNECT_TIMEOUT", "rotor.outbound.connect-timeout");
        m.put("ROTOR_HTTP_READ_TIMEOUT", "rotor.outbound.read-timeout");
        m.put("ROTOR_HTTP_MAX_RESPONSE_BYTES", "rotor.outbound.max-response-bytes");
        m.put("ROTOR_GEOIP_URL", "rotor.geoip.url");
        m.put("ROTOR_GEOIP_TIMEOUT", "rotor.geoip.timeout");
        m.put("ROTOR_GEOIP_CACHE_SIZE", "rotor.geoip.cache-size");
        m.put("ROTOR_GEOIP_CACHE_TTL", "rotor.geoip.cache-ttl");
        m.put("ROTOR_CLOUDWATCH_NAMESPACE", "rotor.cloudwatch.namespace");
        m.put("ROTOR_CLOUDWATCH_PERIOD", "rotor.cloudwatch.period");
        m.put("ROTOR_AWS_ENDPOINT", "rotor.cloudwatch.endpoint");
        m.put("ROTOR_CLOUDWATCH_MAX_CONNECTIONS", "rotor.cloudwatch.max-connections");
        m.put("ROTOR_CLOUDWATCH_TIMEOUT", "rotor.cloudwatch.timeout");
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Map<String, String> aliases() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("GUNICORN_MAX_REQUESTS", "ROTOR_MAX_REQUESTS");
        m.put("GUNICORN_MAX_REQUESTS_JITTER", "ROTOR_MAX_REQUESTS_JITTER");
        // gunicorn's worker timeout bounds one request; Rotor answers it with a 504 instead of a killed worker
        m.put("GUNICORN_TIMEOUT", "ROTOR_REQUEST_TIMEOUT");
        m.put("GUNICORN_GRACEFUL_TIMEOUT", "ROTOR_DRAIN_TIMEOUT");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The overrides present in an environment.
     *
     * @param env the process environment (or a test's map)
     * @return configuration key -> value for every documented variable that is set
     */
    public static Map<String, String> from(Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        KEYS.forEach((variable, key) -> {
            String value = env.get(variable);
            if (value == null) {
                value = ALIASES.entrySet().stream()
                        .filter(alias -> alias.getValue().equals(variable) && env.get(alias.getKey()) != null)
                        .map(alias -> env.get(alias.getKey()))
                        .findFirst()
                        .orElse(null);
            }
            if (value != null) {
                values.put(key, value.trim());
            }
        });
        return values;
    }

    /**
     * What an operator coming from gunicorn should hear once at startup, one warning each: an
     * alias shadowed by its documented name, and the worker count, which a replica does not have.
     *
     * @param env the process environment
     * @return warning sentences, possibly none
     */
    public static List<String> notices(Map<String, String> env) {
        List<String> notices = new ArrayList<>();
        ALIASES.forEach((alias, variable) -> {
            String value = env.get(alias);
            if (value != null && env.get(variable) != null) {
                notices.add(alias + "=" + value + " and " + variable + "=" + env.get(variable) + " are both set: "
                                    + variable + " wins (" + alias + " is gunicorn's name for it)");
            }
        });
        List<String> workers = WORKER_VARIABLES.stream().filter(v -> env.get(v) != null).map(v -> v + "=" + env.get(v)).toList();
        boolean supervised = env.get("ROTOR_WORKER_DIR") != null && !env.get("ROTOR_WORKER_DIR").isBlank();
        if (!workers.isEmpty() && !supervised) {
            notices.add(String.join(" and ", workers) + " is read by the image's entrypoint and by bin/run, which start "
                                + "that many JVMs sharing the port (deploy/image/workers.sh); this JVM was started on its "
                                + "own (java -jar) and is one worker. One JVM serves all of a replica's requests "
                                + "concurrently on virtual threads (up to MAX_CONCURRENT_REQUESTS at once)");
        }
        return notices;
    }

    /**
     * @param key a configuration key
     * @return the environment variable documented for it
     */
    public static Optional<String> variableFor(String key) {
        return KEYS.entrySet().stream()
                .filter(e -> e.getValue().equals(key))
                .map(Map.Entry::getKey)
                .findFirst();
    }
}
