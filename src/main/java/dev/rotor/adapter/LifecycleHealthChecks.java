package dev.rotor.adapter;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

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
     * @param lifecycle the replica's lifecycle, asked at each probe (the checks are handed to the
     *                  server builder before the lifecycle exists; probes come once it serves)
     * @return startup, readiness and liveness checks
     */
    public static List<HealthCheck> create(Supplier<ReplicaLifecycle> lifecycle) {
        return List.of(check("replica-started", HealthCheckType.STARTUP, lifecycle, ReplicaLifecycle::started),
                       check("replica-ready", HealthCheckType.READINESS, lifecycle, ReplicaLifecycle::ready),
                       check("replica-live", HealthCheckType.LIVENESS, lifecycle, ReplicaLifecycle::live));
    }

    private static HealthCheck check(String name, HealthCheckType type, Supplier<ReplicaLifecycle> of,
                                     Predicate<ReplicaLifecycle> up) {
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
                ReplicaLifecycle lifecycle = of.get();
                return HealthCheckResponse.builder()
                        .status(up.test(lifecycle))
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
