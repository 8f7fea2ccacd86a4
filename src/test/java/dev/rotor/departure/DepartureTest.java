package dev.rotor.departure;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.ReplicaState;
import dev.rotor.lifecycle.Triggers;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * Departure, the one reader of the exit mode, acting on a real lifecycle with a quota of one and
 * no drain period: what each mode does once the replica expired, and what a stop signal does in
 * any mode. The process's exit is a future here.
 */
class DepartureTest {
    /** Generous: the exit runs on its own thread, which a loaded machine may start late. */
    private static final long AWAIT_SECONDS = 30;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();
    private final List<String> stopped = new CopyOnWriteArrayList<>();
    private ReplicaLifecycle lifecycle;

    private Departure departure(ExitMode mode, int exitCode) {
        DepartureConfig config = DepartureConfig.of(mode, exitCode);
        LifecycleConfig lc = LifecycleConfig.basic(1, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30));
        lifecycle = new ReplicaLifecycle("d1", lc, Triggers.quota(1, lc.rotationCeiling()), config.leaving(), nanos::get,
                                         Clock.systemUTC());
        Departure departure = new Departure(config, lifecycle, () -> stopped.add("server and parts"), exited::complete);
        lifecycle.onDrain(departure::drainStarted);
        lifecycle.onExpiry(departure::leave);
        lifecycle.serving();
        return departure;
    }

    private void serveTheQuotaAndDrain() {
        lifecycle.requestStarted();
        lifecycle.requestFinished();
        lifecycle.tick();
        assertThat(lifecycle.state(), is(ReplicaState.EXPIRED));
    }

    @Test
    void exitModeStopsEverythingThenExitsWithItsStatus() throws Exception {
        departure(ExitMode.EXIT, 3);
        serveTheQuotaAndDrain();
        assertThat(exited.get(AWAIT_SECONDS, TimeUnit.SECONDS), is(3));
        assertThat(stopped, contains("server and parts"));
        assertThat("exit mode keeps liveness up until the process leaves", lifecycle.live(), is(true));
    }

    @Test
    void livenessModeTurnsLivenessDownAndRunsTheHooksWithoutStopping() throws Exception {
        Departure departure = departure(ExitMode.LIVENESS, 0);
        CompletableFuture<Boolean> flushed = new CompletableFuture<>();
        departure.beforeRestart(() -> flushed.complete(true));
        serveTheQuotaAndDrain();
        assertThat(lifecycle.live(), is(false));
        assertThat(flushed.get(AWAIT_SECONDS, TimeUnit.SECONDS), is(true));
        assertThat("the orchestrator restarts it: nothing stops here", stopped, is(empty()));
        assertThat(exited.isDone(), is(false));
    }

    @Test
    void aStopSignalStopsAndExitsZeroWhateverTheMode() throws Exception {
        departure(ExitMode.LIVENESS, 0);
        lifecycle.terminate();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos()); // the shutdown drain period
        lifecycle.tick();
        assertThat(exited.get(AWAIT_SECONDS, TimeUnit.SECONDS), is(0));
        assertThat(stopped, contains("server and parts"));
    }

    @Test
    void onlyLivenessModeWarnsOfTheRestartBackoffOfAReplicaUnderTenMinutes() {
        Departure liveness = departure(ExitMode.LIVENESS, 0);
        serveTheQuotaAndDrain();
        assertThat(liveness.backoffRisk(), is(true));
        Departure exit = departure(ExitMode.EXIT, 0);
        serveTheQuotaAndDrain();
        assertThat("compose and Render restart an exit without a back-off", exit.backoffRisk(), is(false));
    }

    @Test
    void theLifecycleIsToldOnlyWhatItNeeds() {
        assertThat(DepartureConfig.of(ExitMode.LIVENESS, 0).leaving().livenessDown(), is(true));
        assertThat(DepartureConfig.of(ExitMode.EVICT, 0).leaving().livenessDown(), is(false));
        assertThat(DepartureConfig.of(ExitMode.EXIT, 7).leaving().how(), is("stopping and exiting with code 7"));
        assertThat(DepartureConfig.of(ExitMode.EXIT, 7).describe(), is("exit-mode=exit exit-code=7"));
    }
}
