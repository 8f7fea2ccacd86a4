package dev.rotor.feature;

import java.security.SecureRandom;
import java.util.HexFormat;

import dev.rotor.admission.AdmissionConfig;
import dev.rotor.config.Settings;
import dev.rotor.departure.DepartureConfig;
import dev.rotor.diagnostics.WarmUpConfig;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.observe.ObserveConfig;
import dev.rotor.redis.RedisConfig;
import dev.rotor.web.WebConfig;
import dev.rotor.wire.WireConfig;
import dev.rotor.worker.WorkerConfig;

import io.helidon.config.Config;

/**
 * Every setting the feature reads, parsed and validated once from the {@code rotor} node (and the
 * {@code server} node's ports): what {@link RotorFeature} is built from, as Helidon's
 * {@code ObserveFeature} is built from its prototype. Reading it opens nothing.
 *
 * @param id        this replica's id ({@code rotor.replica-id}, else six random hex digits)
 * @param lifecycle quota, drain and lifetime
 * @param departure how the replica leaves (exit mode, Kubernetes eviction)
 * @param redis     the shared Redis, when configured
 * @param fleet     the service's name, rotation slots and leak report
 * @param admission size limits, concurrency and rate limits, client identity
 * @param wire      the connections' deadlines
 * @param observe   who may read {@code /observe}
 * @param web       the server's ports and host as validated here
 * @param warmUp    the replica's own requests before it turns ready
 * @param worker    the container's workers, when supervised
 */
record RotorConfig(String id, LifecycleConfig lifecycle, DepartureConfig departure, RedisConfig redis, FleetConfig fleet,
                   AdmissionConfig admission, WireConfig wire, ObserveConfig observe, WebConfig web,
                   WarmUpConfig warmUp, WorkerConfig worker) {
    /**
     * @param config the root configuration
     * @return the settings, each validated
     * @throws dev.rotor.config.InvalidSettingException naming the first setting that cannot be used
     */
    static RotorConfig from(Config config) {
        Settings root = Settings.of(config);
        Settings rotor = root.node("rotor");
        LifecycleConfig lifecycle = LifecycleConfig.from(rotor.node("lifecycle"));
        RedisConfig redis = RedisConfig.from(rotor.node("redis"));
        FleetConfig fleet = FleetConfig.from(rotor.node("fleet"));
        DepartureConfig departure = DepartureConfig.from(rotor.node("lifecycle"), rotor.node("kubernetes"));
        AdmissionConfig admission = AdmissionConfig.from(rotor.node("admission"));
        WireConfig wire = WireConfig.from(rotor.node("wire"), admission.maxConcurrentRequests());
        ObserveConfig observe = ObserveConfig.from(rotor.node("observe"));
        String id = rotor.optionalString("replica-id").orElseGet(RotorConfig::randomId);
        // the admin port as WebConfig validates it (a number, and not the public port)
        WebConfig web = WebConfig.from(root);
        return new RotorConfig(id, lifecycle, departure, redis, fleet, admission, wire, observe, web,
                               WarmUpConfig.from(rotor.node("warmup")), WorkerConfig.from(rotor.node("worker")));
    }

    /** @return the settings line of the startup log */
    String describe() {
        return "max-requests=" + lifecycle.maxRequests() + " max-requests-jitter=" + lifecycle.maxRequestsJitter()
                + " min-lifetime=" + lifecycle.minLifetime() + " drain-period=" + lifecycle.drainPeriod()
                + " drain-timeout=" + lifecycle.drainTimeout() + " shutdown-drain-period=" + lifecycle.shutdownDrainPeriod()
                + " " + departure.describe()
                + " admin-port=" + web.adminPort().map(String::valueOf).orElse("(same as port)")
                + " redis=" + redis.safeUrl() + " redis-pool-max=" + redis.poolMax();
    }

    private static String randomId() {
        byte[] bytes = new byte[3];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
