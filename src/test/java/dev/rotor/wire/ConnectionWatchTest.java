package dev.rotor.wire;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.web.RequestIds;

import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * A connection's phases and their deadlines, driven by a fake clock: the connection's thread
 * never reads the clock (but at accept), the watchdog stamps a phase the first time it sees it
 * and ends it a deadline after that stamp, unless the phase moved on first.
 */
class ConnectionWatchTest {
    private static final Duration HEADER = Duration.ofSeconds(10);
    private static final Duration BODY = Duration.ofSeconds(15);
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private Wire wire;
    private ConnectionWatch connection;

    @BeforeEach
    void setUp() {
        wire = new Wire(new WireConfig(HEADER, BODY, Duration.ofSeconds(60), 2, 10_000, 1 << 20, 128), -1, now::get,
                        Metrics.globalRegistry());
        // no socket behind it: what the watchdog would close is seen in the phase it leaves
        connection = new ConnectionWatch(null, now.get(), new RequestIds(64, new Random(1)).sequence());
        wire.opened(connection);
    }

    @AfterEach
    void tearDown() {
        wire.closed(connection);
        wire.close();
    }

    @Test
    void theFirstRequestsHeaderDeadlineCountsFromAccept() {
        assertThat(connection.bytesArrived(), is(true));
        scanAt(HEADER.toNanos() - 1);
        assertThat(connection.phase(), is(ConnectionWatch.Phase.HEADERS));
        scanAt(1);
        assertThat("a header timeout after accept", connection.phase(), is(ConnectionWatch.Phase.CLOSED));
    }

    @Test
    void aLaterRequestsHeaderDeadlineCountsFromTheFirstLookAfterItsFirstByte() {
        connection.bytesArrived();
        connection.headersRead(false);
        connection.responseStarted();
        scanAt(HEADER.toNanos() * 3);
        assertThat("idle has no deadline of the wire's", connection.phase(), is(ConnectionWatch.Phase.IDLE));

        assertThat("the next request's first bytes", connection.bytesArrived(), is(true));
        assertThat("and only its first", connection.bytesArrived(), is(false));
        scanAt(1);
        scanAt(HEADER.toNanos() - 1);
        assertThat(connection.phase(), is(ConnectionWatch.Phase.HEADERS));
        scanAt(1);
        assertThat("a header timeout after the look that stamped it", connection.phase(), is(ConnectionWatch.Phase.CLOSED));
    }

    @Test
    void aBodyDeadlineCountsFromTheFirstLookAfterTheHeaders() {
        connection.bytesArrived();
        connection.headersRead(true);
        scanAt(1);
        scanAt(BODY.toNanos() - 1);
        assertThat(connection.phase(), is(ConnectionWatch.Phase.BODY));
        scanAt(1);
        assertThat(connection.phase(), is(ConnectionWatch.Phase.CLOSED));
    }

    @Test
    void aPhaseThatEndsBeforeItsDeadlineIsNeverClaimed() {
        connection.bytesArrived();
        connection.headersRead(true);
        scanAt(1);
        connection.bodyRead();
        scanAt(BODY.toNanos() * 2);
        assertThat("a route runs: no deadline of the connection's", connection.phase(), is(ConnectionWatch.Phase.HANDLING));
    }

    @Test
    void aRunningRouteGivesTheWatchdogNothingToStamp() {
        connection.bytesArrived();
        connection.headersRead(false);
        long running = connection.word();
        scanAt(1);
        assertThat("no deadline of the connection's while a route runs: the watchdog leaves the word alone",
                   connection.word(), is(running));
    }

    @Test
    void aClaimLosesToAPhaseChangeBetweenTheLookAndTheClaim() {
        connection.bytesArrived();
        connection.headersRead(true);
        scanAt(1);
        long seen = connection.word();
        connection.bodyRead();
        assertThat("the word the watchdog saw is gone", connection.claim(seen, now.get()), is(false));
        assertThat(connection.phase(), is(ConnectionWatch.Phase.HANDLING));
    }

    @Test
    void aDrainClosesOnlyConnectionsIdleForTheWholeIntervalSinceItsLook() {
        Duration idleFor = Duration.ofSeconds(1);
        connection.bytesArrived();
        connection.headersRead(false);
        connection.responseStarted();
        assertThat("the first look only stamps", wire.closeIdle(idleFor), is(0));
        now.addAndGet(idleFor.toNanos() - 1);
        assertThat(wire.closeIdle(idleFor), is(0));
        now.addAndGet(1);
        assertThat(wire.closeIdle(idleFor), is(1));
        assertThat(connection.phase(), is(ConnectionWatch.Phase.CLOSED));
    }

    @Test
    void aDrainLeavesAConnectionWhoseNextRequestBeganAfterTheLook() {
        Duration idleFor = Duration.ofSeconds(1);
        connection.bytesArrived();
        connection.headersRead(false);
        connection.responseStarted();
        wire.closeIdle(idleFor);
        now.addAndGet(idleFor.toNanos() * 2);
        connection.bytesArrived();
        assertThat(wire.closeIdle(idleFor), is(0));
        assertThat(connection.phase(), is(ConnectionWatch.Phase.HEADERS));
    }

    @Test
    void aPhaseTheWatchdogStampsMeanwhileStillEndsWhenTheConnectionMovesOn() throws Exception {
        // the watchdog stamps every unstamped phase it sees, racing the connection's own moves:
        // a stamp changes the word but not the phase, so a move must never be lost to it
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                long seen = connection.word();
                if (!ConnectionWatch.isStamped(seen)) {
                    connection.stamp(seen, now.get());
                }
            }
        });
        try {
            connection.bytesArrived();
            for (int i = 0; i < 200_000; i++) {
                connection.headersRead(true);
                connection.bodyRead();
                assertThat("round " + i + ": the body is read", connection.phase(), is(ConnectionWatch.Phase.HANDLING));
                connection.responseStarted();
                assertThat("round " + i + ": the next request's first bytes", connection.bytesArrived(), is(true));
                assertThat(connection.phase(), is(ConnectionWatch.Phase.HEADERS));
            }
        } finally {
            done.set(true);
            watchdog.join();
        }
    }

    private void scanAt(long later) {
        wire.scan(now.addAndGet(later));
    }
}
