package dev.rotor.fleet;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.lifecycle.RotationCause;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Fleet rotation slots against a real redis-server. The lease's retry pacing runs on a manual
 * clock; the slots' expiry is Redis's own clock, so the tests use leases far longer than they run.
 */
class RotationLeaseTest {
    private static final Duration RETRY = Duration.ofSeconds(1);
    @RegisterExtension
    static final RealRedis REDIS = new RealRedis();
    private final AtomicLong nanos = new AtomicLong();
    private RedisTestServer server;
    private SharedRedis redis;

    @BeforeEach
    void connect() {
        server = REDIS.server();
        redis = REDIS.client(REDIS.config(2, Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(200), 3,
                                          Duration.ofMinutes(1)), System::nanoTime);
    }

    private RotationLease lease(String holder, int slots, Duration hold) {
        FleetConfig fleet = new FleetConfig("shop", slots, Duration.ofMinutes(5), RETRY, hold, false, Duration.ZERO, 10);
        return new RotationLease(redis, fleet, holder, nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void noMoreHoldersThanSlotsAndAReleasedSlotIsTakenByTheNext() {
        RotationLease a = lease("a", 1, Duration.ZERO);
        RotationLease b = lease("b", 1, Duration.ZERO);
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        assertThat(b.tryAcquire(RotationCause.QUOTA), is(false));
        a.release();
        assertThat("a refused replica asks again only after lease-retry", b.tryAcquire(RotationCause.QUOTA), is(false));
        advance(RETRY);
        assertThat(b.tryAcquire(RotationCause.QUOTA), is(true));
        assertThat(b.held(), is(true));
    }

    @Test
    void slotsAreKeptUnderTheServiceNamespace() {
        assertThat(lease("a", 1, Duration.ZERO).tryAcquire(RotationCause.AGE), is(true));
        assertThat(server.command("EXISTS", "rotor:shop:rotation-slots"), is(":1"));
        assertThat(server.command("ZCARD", "rotor:shop:rotation-slots"), is(":1"));
    }

    @Test
    void aLeavingHolderKeepsItsSlotForTheHold() {
        RotationLease a = lease("a", 1, Duration.ofMinutes(1));
        RotationLease b = lease("b", 1, Duration.ZERO);
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        a.release();
        assertThat(a.held(), is(false));
        assertThat(b.tryAcquire(RotationCause.QUOTA), is(false));
    }

    @Test
    void aHolderReplacedInPlaceGivesItsSlotBackAtOnceDespiteTheHold() {
        RotationLease a = lease("a", 1, Duration.ofMinutes(1));
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        a.handedOver();
        a.release(); // at exit: nothing is held any more, so no hold is put back
        assertThat(a.held(), is(false));
        assertThat(server.command("ZCARD", "rotor:shop:rotation-slots"), is(":0"));
        assertThat(lease("b", 1, Duration.ZERO).tryAcquire(RotationCause.QUOTA), is(true));
    }

    @Test
    void slotsStillWorkAfterRedisForgetsTheScripts() {
        RotationLease a = lease("a", 1, Duration.ofMinutes(1));
        RotationLease b = lease("b", 1, Duration.ZERO);
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        assertThat(server.command("SCRIPT", "FLUSH"), is("+OK"));
        assertThat(b.tryAcquire(RotationCause.QUOTA), is(false));
        assertThat(server.command("SCRIPT", "FLUSH"), is("+OK"));
        a.release(); // the hold script, reloaded
        assertThat(server.command("ZCARD", "rotor:shop:rotation-slots"), is(":1"));
    }

    @Test
    void withoutRedisEveryReplicaMayRotate() {
        RotationLease a = lease("a", 1, Duration.ZERO);
        RotationLease b = lease("b", 1, Duration.ZERO);
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        server.stop();
        try {
            assertThat(b.tryAcquire(RotationCause.QUOTA), is(true));
        } finally {
            server.start();
        }
    }

    @Test
    void withRedisAwayAReplicaServesOnForTheOutageWaitThenRotatesOnJitterAlone() {
        Duration wait = Duration.ofSeconds(15);
        FleetConfig fleet = new FleetConfig("shop", 1, Duration.ofMinutes(5), RETRY, Duration.ZERO, false, Duration.ZERO,
                                            10, wait);
        RotationLease a = new RotationLease(redis, fleet, "a", nanos::get);
        server.stop();
        try {
            for (int i = 0; i < 3; i++) {
                redis.circuit().onFailure(new RuntimeException("open the circuit: calls fail at once"));
            }
            assertThat("a failover takes seconds: keep serving", a.tryAcquire(RotationCause.QUOTA), is(false));
            advance(wait.minus(Duration.ofSeconds(1)));
            assertThat(a.tryAcquire(RotationCause.QUOTA), is(false));
            advance(Duration.ofSeconds(1));
            assertThat("past the wait, rotate on the quota's jitter alone", a.tryAcquire(RotationCause.QUOTA), is(true));
        } finally {
            server.start();
        }
    }

    @Test
    void redisBackWithinTheOutageWaitDecidesAgain() {
        FleetConfig fleet = new FleetConfig("shop", 1, Duration.ofMinutes(5), RETRY, Duration.ZERO, false, Duration.ZERO,
                                            10, Duration.ofSeconds(15));
        RotationLease a = lease("a", 1, Duration.ZERO);
        RotationLease b = new RotationLease(redis, fleet, "b", nanos::get);
        assertThat(a.tryAcquire(RotationCause.QUOTA), is(true));
        server.pause(); // frozen, not restarted: Redis keeps a's slot
        try {
            assertThat(b.tryAcquire(RotationCause.QUOTA), is(false));
        } finally {
            server.resume();
        }
        advance(RETRY); // one failed call does not open the circuit: the next one reaches Redis
        assertThat("Redis is back: a's slot counts again", b.tryAcquire(RotationCause.QUOTA), is(false));
        a.release();
        advance(RETRY);
        assertThat(b.tryAcquire(RotationCause.QUOTA), is(true));
    }
}
