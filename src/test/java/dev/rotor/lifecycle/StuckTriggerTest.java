package dev.rotor.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

class StuckTriggerTest {
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger stuck = new AtomicInteger();

    @Test
    void stuckWorkAtTheLimitDrainsAtOnceEvenBeforeTheMinimumLifetime() {
        LifecycleConfig config = LifecycleConfig.basic(0, 0, Duration.ofMinutes(10), Duration.ofSeconds(1),
                                                       Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("s", config,
                                                  Triggers.build(config, new Triggers.StuckWork(stuck::get, 2),
                                                                 new java.util.Random(1), nanos::get),
                                                  DepartureConfig.of(ExitMode.EXIT, 0).leaving(), nanos::get,
                                                  Clock.systemUTC());
        List<ReplicaLifecycle.Expiry> expiries = new ArrayList<>();
        l.onExpiry(expiries::add);
        l.serving();
        stuck.set(1);
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));

        stuck.set(2);
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.cause(), is(RotationCause.STUCK));

        // stuck handlers are not in flight (their permits were released at the deadline), so
        // the drain ends with its period
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        l.tick();
        assertThat(expiries, contains(new ReplicaLifecycle.Expiry(RotationCause.STUCK, false, 0)));
    }
}
