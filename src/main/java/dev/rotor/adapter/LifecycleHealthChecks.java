package dev.rotor.adapter;

import java.util.List;
import java.util.function.BooleanSupplier;

import dev.rotor.lifecycle.ReplicaLifecycle;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * The three probes, all read from the lifecycle: started once serving, ready only while
 * serving, live until expired in liveness mode. Each reports the replica's numbers.
 */
public final class LifecycleHealthChecks {
    private LifecycleHealthChecks() {
    }

    /**
     * @param lifecycle the replica's lifecycle
     * @return startup, readiness and liveness checks
     */
    public static List<HealthCheck> create(ReplicaLifecycle lifecycle) {
        return List.of(check("replica-started", HealthCheckType.STARTUP, lifecycle, lifecycle::started),
                       check("replica-ready", HealthCheckType.READINESS, lifecycle, lifecycle::ready),
                       check("replica-live", HealthCheckType.LIVENESS, lifecycle, lifecycle::live));
    }

    private static HealthCheck check(String name, HealthCheckType type, ReplicaLifecycle lifecycle, BooleanSupplier up) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder()
                        .status(up.getAsBoolean())
                        .detail("replica", lifecycle.id())
                        .detail("state", lifecycle.state().name())
                        .detail("served", lifecycle.served())
                        .detail("quota", lifecycle.quota())
                        .detail("inFlight", lifecycle.inFlight())
                        .build();
            }
        };
    }
}
