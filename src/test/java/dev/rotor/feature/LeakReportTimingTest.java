package dev.rotor.feature;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;
import dev.rotor.diagnostics.LeakReport;
import dev.rotor.fleet.FleetConfig;
import dev.rotor.lifecycle.Handover;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.lifecycle.RotationCause;
import dev.rotor.lifecycle.RotationGate;
import dev.rotor.lifecycle.Triggers;
import dev.rotor.support.FakeHandover;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

/**
 * A class histogram stops the JVM for hundreds of milliseconds. A worker replaced in place is all
 * its container serves with, so it takes its histograms while it does not serve: the baseline
 * before it serves (as a successor), the drain one once its server stopped. Real histograms.
 */
class LeakReportTimingTest {
    private static Rotation rotation(Handover handover) {
        LifecycleConfig lc = LifecycleConfig.basic(2, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30));
        FleetConfig fleet = new FleetConfig("shop", 1, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ZERO, true,
                                            Duration.ofMinutes(10), 5);
        return Rotation.build("r1", lc, DepartureConfig.of(ExitMode.EXIT, 0).leaving(), fleet, Optional.empty(),
                              Triggers.StuckWork.NONE, handover, RotationGate.OPEN, new Random(1), System::nanoTime,
                              Clock.systemUTC());
    }

    @Test
    void aSuccessorTakesItsHistogramsBeforeItServesAndAfterItStopped() {
        FakeHandover handover = new FakeHandover(true);
        try (Rotation rotation = rotation(handover)) {
            ReplicaLifecycle lifecycle = rotation.lifecycle();
            LeakReport report = rotation.leakReport().orElseThrow();
            rotation.beforeServing();
            assertThat("baseline taken before serving", report.baselineTaken(), is(true));
            lifecycle.serving();
            for (int i = 0; i < 2; i++) {
                lifecycle.requestStarted();
                lifecycle.requestFinished();
            }
            lifecycle.tick();
            assertThat(lifecycle.state(), is(ReplicaState.DRAINING));
            assertThat("no histogram while it still serves the container", report.report().isPresent(), is(false));
            handover.takenOver = true;
            lifecycle.tick();
            assertThat(lifecycle.state(), is(ReplicaState.EXPIRED));
            rotation.afterServing();
            LeakReport.Report taken = report.report().orElseThrow();
            assertThat(taken.cause(), is(RotationCause.QUOTA));
            assertThat("compared with the baseline", taken.baselineAt(), is(notNullValue()));
        }
    }

    @Test
    void aReplicaBehindALoadBalancerTakesItsBaselineWhileServingAsBefore() {
        try (Rotation rotation = rotation(Handover.NONE)) {
            rotation.beforeServing();
            assertThat("the baseline waits for the warm-up period after serving starts",
                       rotation.leakReport().orElseThrow().baselineTaken(), is(false));
            rotation.afterServing();
            assertThat("nothing deferred", rotation.leakReport().orElseThrow().report().isPresent(), is(false));
        }
    }
}
