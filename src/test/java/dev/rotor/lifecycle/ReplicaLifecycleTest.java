package dev.rotor.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;
import dev.rotor.support.FakeHandover;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class ReplicaLifecycleTest {
    private static final Leaving LIVENESS = DepartureConfig.of(ExitMode.LIVENESS, 0).leaving();
    private static final Leaving EXIT = DepartureConfig.of(ExitMode.EXIT, 0).leaving();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<ReplicaLifecycle.Expiry> expiries = new ArrayList<>();

    private ReplicaLifecycle lifecycle(long quota, Duration minLifetime, ExitMode mode) {
        LifecycleConfig config = LifecycleConfig.basic(quota, 0, minLifetime, Duration.ofSeconds(10),
                                                       Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("t1", config, Triggers.quota(quota, config.rotationCeiling()),
                                                  DepartureConfig.of(mode, 0).leaving(), nanos::get,
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
    void admittedRequestsAreInFlightWhileTheirPermitsAreHeld() {
        ReplicaLifecycle l = lifecycle(2, Duration.ZERO, ExitMode.LIVENESS);
        AtomicInteger permits = new AtomicInteger();
        permits.set(1);
        assertThat("permits count only once the lifecycle is told to read them", l.inFlight(), is(0));
        l.countPermits(permits::get);
        assertThat(l.inFlight(), is(1));
        l.serving();
        l.requestAdmitted();
        l.requestStarted(); // one without a permit counts itself, beside them
        assertThat(l.served(), is(2L));
        assertThat(l.inFlight(), is(2));
        assertThat(l.view().inFlight(), is(2));
        assertThat("the second request reached the quota", l.state(), is(ReplicaState.DRAINING));
        l.requestFinished();
        advance(Duration.ofSeconds(11));
        l.tick();
        assertThat("a permit still held keeps the replica draining", l.state(), is(ReplicaState.DRAINING));
        permits.set(0);
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat(expiries, contains(new ReplicaLifecycle.Expiry(RotationCause.QUOTA, false, 0)));
    }

    @Test
    void countsOfServedAndInFlightDoNotSpillIntoEachOther() {
        ReplicaLifecycle l = lifecycle(0, Duration.ZERO, ExitMode.LIVENESS);
        l.serving();
        for (int i = 0; i < 1000; i++) {
            l.requestStarted();
        }
        for (int i = 0; i < 1000; i++) {
            l.requestFinished();
            l.requestAdmitted();
        }
        assertThat(l.served(), is(2000L));
        assertThat(l.inFlight(), is(0));
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
        assertThat(Durations.human(Duration.ofMillis(15_200)), is("15.2s"));
        assertThat(Durations.human(Duration.ofSeconds(552)), is("9m12s"));
        assertThat(Durations.human(Duration.ofSeconds(3780)), is("1h3m"));
    }

    private ReplicaLifecycle withTriggers(long quota, Duration minLifetime, List<RotationTrigger> triggers, RotationGate gate) {
        LifecycleConfig config = LifecycleConfig.basic(quota, 0, minLifetime, Duration.ofSeconds(10),
                                                       Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("t2", config, Triggers.of(quota, config.rotationCeiling(), triggers),
                                                  LIVENESS, gate, Handover.NONE, nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.onExpiry(expiries::add);
        return l;
    }

    /** A trigger the test switches on. */
    private static final class Switch implements RotationTrigger {
        private final RotationCause cause;
        private final boolean emergency;
        private volatile boolean on;

        Switch(RotationCause cause, boolean emergency) {
            this.cause = cause;
            this.emergency = emergency;
        }

        @Override
        public RotationCause cause() {
            return cause;
        }

        @Override
        public boolean emergency() {
            return emergency;
        }

        @Override
        public Decision decide(ReplicaView replica) {
            return on ? Decision.due(cause, 1, 1) : Decision.notDue(cause);
        }
    }

    /** A gate that admits when told to, and counts the asks. */
    private static final class TestGate implements RotationGate {
        private volatile boolean open;
        private int asks;
        private int handedOver;
        private Duration longestHold = Duration.ZERO;

        @Override
        public Duration longestHold() {
            return longestHold;
        }

        @Override
        public boolean tryAcquire(RotationCause cause) {
            asks++;
            return open;
        }

        @Override
        public void release() {
            open = false;
        }

        @Override
        public void handedOver() {
            handedOver++;
        }
    }

    @Test
    void ageTriggerRotatesOnceTheDrawnLifetimeHasPassed() {
        ReplicaLifecycle l = withTriggers(0, Duration.ZERO, List.of(new AgeTrigger(Duration.ofMinutes(30), 1.5)),
                                          RotationGate.OPEN);
        l.serving();
        advance(Duration.ofMinutes(29));
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
        advance(Duration.ofMinutes(1));
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.cause(), is(RotationCause.AGE));
    }

    @Test
    void lifetimeIsDrawnWithinMaxPlusMinusJitter() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            Duration d = AgeTrigger.draw(Duration.ofMinutes(60), Duration.ofMinutes(10), random);
            assertThat(d.compareTo(Duration.ofMinutes(50)) >= 0 && d.compareTo(Duration.ofMinutes(70)) <= 0, is(true));
        }
        assertThat(AgeTrigger.draw(Duration.ZERO, Duration.ofMinutes(10), random), is(Duration.ZERO));
    }

    @Test
    void emergencyTriggerIgnoresMinimumLifetimeAndTheGate() {
        Switch memory = new Switch(RotationCause.HEAP, true);
        TestGate gate = new TestGate();
        ReplicaLifecycle l = withTriggers(100, Duration.ofHours(1), List.of(memory), gate);
        l.serving();
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
        memory.on = true;
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.cause(), is(RotationCause.HEAP));
        assertThat("an emergency never asks for a slot", gate.asks, is(0));
    }

    @Test
    void refusedSlotKeepsTheReplicaServingUntilTheCeiling() {
        TestGate gate = new TestGate();
        ReplicaLifecycle l = withTriggers(10, Duration.ZERO, List.of(), gate);
        l.serving();
        serve(l, 10);
        assertThat(l.state(), is(ReplicaState.SERVING));
        assertThat(l.ready(), is(true));
        assertThat(l.slotRefusals() > 0, is(true));
        serve(l, 4); // 14 of a 1.5 x 10 ceiling
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
        serve(l, 1);
        l.tick();
        assertThat("past the ceiling it rotates without a slot", l.state(), is(ReplicaState.DRAINING));
    }

    @Test
    void ceilingWaitsOneLeaseTtlSoReplicasPastItUnderHeavyLoadDoNotDrainTogether() {
        TestGate gate = new TestGate();
        gate.longestHold = Duration.ofSeconds(90);
        ReplicaLifecycle l = withTriggers(10, Duration.ofSeconds(10), List.of(), gate);
        l.serving();
        serve(l, 500); // heavy load: 50 x the quota within the minimum lifetime
        advance(Duration.ofSeconds(10));
        l.tick();
        assertThat("past the ceiling, but just refused its first slot", l.state(), is(ReplicaState.SERVING));
        advance(Duration.ofSeconds(89));
        serve(l, 500);
        l.tick();
        assertThat(l.state(), is(ReplicaState.SERVING));
        assertThat(l.ready(), is(true));
        advance(Duration.ofSeconds(1));
        l.tick();
        assertThat("a whole lease TTL refused: the holder is stuck, rotate anyway", l.state(), is(ReplicaState.DRAINING));
    }

    @Test
    void grantedSlotLetsTheReplicaDrain() {
        TestGate gate = new TestGate();
        ReplicaLifecycle l = withTriggers(10, Duration.ZERO, List.of(), gate);
        l.serving();
        serve(l, 10);
        assertThat(l.state(), is(ReplicaState.SERVING));
        gate.open = true;
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat(l.cause(), is(RotationCause.QUOTA));
    }

    @Test
    void failedLivenessTurnsLivenessDownOnceExpired() {
        LifecycleConfig config = LifecycleConfig.basic(1, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("t3", config, Triggers.quota(1, config.rotationCeiling()),
                                                  DepartureConfig.of(ExitMode.EVICT, 0).leaving(), nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.serving();
        serve(l, 1);
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat("evict mode keeps liveness up while it asks the API", l.live(), is(true));
        l.failLiveness("refused");
        assertThat(l.live(), is(false));
    }

    @Test
    void aWorkerReplacedInPlaceKeepsItsConnectionsUntilItsSuccessorTakesOver() {
        LifecycleConfig config = LifecycleConfig.basic(2, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30));
        FakeHandover handover = new FakeHandover(false);
        ReplicaLifecycle l = new ReplicaLifecycle("t4", config, Triggers.quota(2, config.rotationCeiling()), EXIT,
                                                  RotationGate.OPEN, handover, nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.serving();
        serve(l, 2);
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        assertThat("the successor starts now", handover.drainStarted, is(true));
        assertThat("new connections still land here", l.keepsConnections(), is(true));
        handover.takenOver = true;
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat("taken over: clients reconnect to the successor", l.keepsConnections(), is(false));
    }

    @Test
    void aWorkerReplacedInPlaceHandsItsSlotBackOnceItsSuccessorIsReady() {
        LifecycleConfig config = LifecycleConfig.basic(2, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30));
        FakeHandover handover = new FakeHandover(false);
        TestGate gate = new TestGate();
        gate.open = true;
        ReplicaLifecycle l = new ReplicaLifecycle("t6", config, Triggers.quota(2, config.rotationCeiling()), EXIT,
                                                  gate, handover, nanos::get, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.serving();
        serve(l, 2);
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        l.tick();
        assertThat("the successor is not ready yet: the slot stays taken", gate.handedOver, is(0));
        handover.takenOver = true;
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat("handed over: the slot is given back once", gate.handedOver, is(1));
        l.tick();
        assertThat(gate.handedOver, is(1));
    }

    @Test
    void aReplicaThatLeavesTheLoadBalancerKeepsItsSlotUntilItLeaves() {
        TestGate gate = new TestGate();
        gate.open = true;
        ReplicaLifecycle l = withTriggers(2, Duration.ZERO, List.of(), gate);
        l.serving();
        serve(l, 2);
        l.tick();
        assertThat(l.state(), is(ReplicaState.DRAINING));
        advance(Duration.ofSeconds(11));
        l.tick();
        assertThat(l.state(), is(ReplicaState.EXPIRED));
        assertThat("nobody serves in its place yet: the slot (and its hold) is released only as it leaves",
                   gate.handedOver, is(0));
    }

    @Test
    void theMinimumLifetimeCountsFromTheProcessStartNotFromWhenTheLifecycleWasBuilt() {
        LifecycleConfig config = LifecycleConfig.basic(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(10),
                                                       Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("t7", config, Triggers.quota(1, config.rotationCeiling()), EXIT,
                                                  RotationGate.OPEN, Handover.NONE, Duration.ofSeconds(3), nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        assertThat("the JVM had run 3 s when the lifecycle was built", l.age(), is(Duration.ofSeconds(3)));
        l.serving();
        serve(l, 1);
        advance(Duration.ofSeconds(6));
        l.tick();
        assertThat("9 s since the process started", l.state(), is(ReplicaState.SERVING));
        advance(Duration.ofSeconds(1));
        l.tick();
        assertThat("10 s since the process started, 7 s since the lifecycle was built", l.state(),
                   is(ReplicaState.DRAINING));
    }

    @Test
    void aStopSignalClosesConnectionsEvenForAWorkerReplacedInPlace() {
        LifecycleConfig config = LifecycleConfig.basic(0, 0, Duration.ZERO, Duration.ofSeconds(10),
                                                       Duration.ofSeconds(30));
        ReplicaLifecycle l = new ReplicaLifecycle("t5", config, Triggers.quota(0, config.rotationCeiling()), EXIT,
                                                  RotationGate.OPEN, new FakeHandover(false), nanos::get,
                                                  Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        l.serving();
        assertThat(l.keepsConnections(), is(true));
        l.terminate();
        assertThat("the whole container stops: nobody takes these connections over", l.keepsConnections(), is(false));
    }
}
