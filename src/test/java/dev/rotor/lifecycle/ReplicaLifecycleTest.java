package dev.rotor.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class ReplicaLifecycleTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<ReplicaLifecycle.Expiry> expiries = new ArrayList<>();

    private ReplicaLifecycle lifecycle(long quota, Duration minLifetime, ExitMode mode) {
        LifecycleConfig config = new LifecycleConfig(quota, 0, minLifetime, Duration.ofSeconds(10),
                                                     Duration.ofSeconds(30), Duration.ofSeconds(2), mode, 0);
        ReplicaLifecycle l = new ReplicaLifecycle("t1", config, quota, nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.onExpiry(expiries::add);
        return l;
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static void serve(ReplicaLifecycle l, int n) {
        for (int i = 0; i < n; i++) {
            l.requestStarted();
            l.requestFinished();
        }
    }

    @Test
    void startsNotStartedThenServes() {
        ReplicaLifecycle l = lifecycle(3, Duration.ZERO, ExitMode.LIVENESS);
        assertThat(l.started(), is(false));
        assertThat(l.ready(), is(false));
        assertThat(l.live(), is(true));
        l.serving();
        assertThat(l.state(), is(ReplicaState.SERVING));
        assertThat(l.started() && l.ready() && l.live(), is(true));
    }

    @Test
    void quotaTurnsReadinessDownButKeepsLiveness() {
        ReplicaLifecycle l = lifecycle(3, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        serve(l, 2);
        assertThat(l.ready(), is(true));
        serve(l, 1);
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.cause(), is(RotationCause.QUOTA));
        assertThat(l.ready(), is(false));
        assertThat(l.live(), is(true));
    }

    @Test
    void drainEndsOnlyAfterPeriodAndWhenNothingInFlight() {
        ReplicaLifecycle l = lifecycle(1, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        l.requestStarted(); // the quota-reaching request is still in flight
        advance(Duration.ofSeconds(9));
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        advance(Duration.ofSeconds(2));
        l.tick();
        assertThat("in flight keeps the replica draining", l.state(), is(ReplicaState.DRAINING));
        l.requestFinished();
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat(l.live(), is(false));
        assertThat(expiries, contains(new ReplicaLifecycle.Expiry(RotationCause.QUOTA, false, 0)));
        assertThat(l.drainDuration(), is(Duration.ofSeconds(11)));
    }

    @Test
    void drainTimeoutCutsAStuckDrain() {
        ReplicaLifecycle l = lifecycle(1, Duration.ZERO, ExitMode.EXIT);
        l.serving();
        l.requestStarted();
        advance(Duration.ofSeconds(29));
        l.tick();
        assertThat(expiries, is(empty()));
        advance(Duration.ofSeconds(1));
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat(expiries, contains(new ReplicaLifecycle.Expiry(RotationCause.QUOTA, true, 1)));
        assertThat("exit mode keeps liveness up until the process leaves", l.live(), is(true));
    }

    @Test
    void quotaBeforeMinimumLifetimeWaitsForIt() {
        ReplicaLifecycle l = lifecycle(2, Duration.ofMinutes(10), ExitMode.LIVENESS);
        l.serving();
        serve(l, 5);
        assertThat(l.state(), is(ReplicaState.SERVING));
        advance(Duration.ofMinutes(9));
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
        advance(Duration.ofMinutes(1));
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
    }

    @Test
    void zeroQuotaNeverRotates() {
        ReplicaLifecycle l = lifecycle(0, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        serve(l, 10_000);
        advance(Duration.ofDays(1));
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
    }

    @Test
    void signalDrainsForTheShutdownPeriodThenExpires() {
        ReplicaLifecycle l = lifecycle(100, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        l.terminate();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.ready(), is(false));
        advance(Duration.ofSeconds(2));
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat(expiries, contains(new ReplicaLifecycle.Expiry(RotationCause.SIGNAL, false, 0)));
    }

    @Test
    void signalDuringQuotaDrainShortensIt() {
        ReplicaLifecycle l = lifecycle(1, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        serve(l, 1);
        advance(Duration.ofSeconds(1));
        l.terminate();
        advance(Duration.ofSeconds(2));
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat(expiries.getFirst().cause(), is(RotationCause.SIGNAL));
    }

    @Test
    void signalAfterExpiryLeavesAtOnce() {
        ReplicaLifecycle l = lifecycle(1, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        serve(l, 1);
        advance(Duration.ofSeconds(10));
        l.tick();
        l.terminate();
        assertThat(expiries.size(), is(2));
        assertThat(expiries.get(1).cause(), is(RotationCause.SIGNAL));
    }

    @Test
    void formatsDurationsForPeople() {
        assertThat(ReplicaLifecycle.human(Duration.ofMillis(15_200)), is("15.2s"));
        assertThat(ReplicaLifecycle.human(Duration.ofSeconds(552)), is("9m12s"));
        assertThat(ReplicaLifecycle.human(Duration.ofSeconds(3780)), is("1h3m"));
    }
}
