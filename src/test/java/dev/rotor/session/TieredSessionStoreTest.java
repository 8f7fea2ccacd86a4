package dev.rotor.session;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.rotor.redis.KeyTracking;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * Memory over a real redis-server that the tests kill and restart: the contract, and what only
 * the tiered store does (sessions outlive their store, an outage degrades to memory, the flush
 * writes back what Redis lacks). The Redis circuit, the memory tier and the flush all run on the
 * contract's manual clock; the flush waits through a sleeper that moves that clock.
 */
class TieredSessionStoreTest extends SessionStoreContract {
    private static final String NAMESPACE = "rotor:test:";
    private static final Duration OPEN_FOR = Duration.ofMillis(200);

    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer server;
    private SharedRedis redis;
    private final AtomicInteger sleeps = new AtomicInteger();
    /** What the sleeper does besides moving the clock, before the given sleep (1-based). */
    private int restartRedisAtSleep = -1;

    @BeforeEach
    void start() {
        server = real.server();
        redis = real.client(real.config(4, Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(200), 3,
                                        OPEN_FOR), nanos::get);
    }

    @Override
    SessionStore store(SessionConfig c) {
        // tracking off: these tests are about the tiers; SessionCacheTest is about serving from memory
        RedisSessions shared = new RedisSessions(redis, NAMESPACE, c.idleTtl(), c.maxMessages());
        return new TieredSessionStore(c, shared, KeyTracking.off(), new SessionTouches(shared, c.maxActive(), Duration.ZERO),
                                      nanos::get, clock, this::sleep);
    }

    private void sleep(Duration d) {
        if (sleeps.incrementAndGet() == restartRedisAtSleep) {
            server.start();
        }
        advance(d);
    }

    private SessionStore store() {
        return store(10, Duration.ofMinutes(30), 10);
    }

    @Test
    void theLeastRecentlyUsedLeavesMemoryAndIsReadBackFromRedis() {
        SessionStore store = store(3, Duration.ofMinutes(30), 10);
        Session a = store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        Session b = store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        store.find(a.id()); // a is now the most recently used; b the least
        advance(Duration.ofSeconds(1));
        store.create(Optional.empty());

        assertThat(store.active(), is(3L));
        assertThat(store.evicted(RemovalCause.SIZE), is(1L));
        assertThat(store.loadedFromRedis(), is(0L));
        assertThat(store.find(b.id()).isPresent(), is(true));
        assertThat("b was the one evicted: it came back from Redis", store.loadedFromRedis(), is(1L));
        assertThat(store.active(), is(3L));
    }

    @Test
    void idleSessionsLeaveMemoryWhileRedisExpiresThemOnItsOwnClock() {
        SessionStore store = store();
        Session idle = store.create(Optional.empty());
        advance(Duration.ofMinutes(31));
        assertThat(store.active(), is(0L));
        assertThat(store.evicted(RemovalCause.EXPIRED), is(1L));
        long pttl = Long.parseLong(server.command("PTTL", NAMESPACE + "session:{" + idle.id() + "}").substring(1));
        assertThat("PTTL " + pttl, pttl > 0 && pttl <= Duration.ofMinutes(30).toMillis(), is(true));
        assertThat(store.find(idle.id()).isPresent(), is(true));
        assertThat(store.loadedFromRedis(), is(1L));
    }

    @Test
    void aSessionOutlivesTheStoreThatMadeIt() {
        SessionStore first = store();
        Session s = first.create(Optional.of("remember me"));
        first.append(s.id(), List.of(new ChatMessage("user", "q"), new ChatMessage("assistant", "a")));
        first.close();

        SessionStore second = store();
        Session read = second.find(s.id()).orElseThrow();
        assertThat(read.system(), is(Optional.of("remember me")));
        assertThat(read.messages().size(), is(2));
        assertThat(second.loadedFromRedis(), is(1L));
    }

    @Test
    void aSessionDeletedOnAnotherReplicaLeavesThisOnesMemoryToo() {
        SessionStore here = store();
        SessionStore there = store();
        Session s = here.create(Optional.empty());
        assertThat(there.find(s.id()).isPresent(), is(true));
        assertThat(here.delete(s.id()), is(true));
        assertThat(there.find(s.id()).isPresent(), is(false));
        assertThat(there.active(), is(0L));
    }

    @Test
    void aRedisOutageDegradesToMemoryAndMarksWhatRedisLacks() {
        SessionStore store = store();
        Session s = store.create(Optional.empty());
        server.stop();
        assertThat(store.find(s.id()).isPresent(), is(true));
        assertThat(store.append(s.id(), List.of(new ChatMessage("user", "still here"))).orElseThrow().messages().size(),
                   is(1));
        Session made = store.create(Optional.empty());
        assertThat(store.find(made.id()).isPresent(), is(true));
        assertThat(store.dirty(), is(2L));
        assertThat(store.active(), is(2L));
    }

    @Test
    void whatRedisLacksIsWrittenBackOnItsNextUseOnceRedisAnswers() {
        SessionStore store = store();
        server.stop();
        Session s = store.create(Optional.of("made while Redis was down"));
        assertThat(store.dirty(), is(1L));
        server.start(); // empty
        advance(OPEN_FOR);
        assertThat(store.find(s.id()).isPresent(), is(true));
        assertThat(store.dirty(), is(0L));
        assertThat(store().find(s.id()).orElseThrow().system(), is(Optional.of("made while Redis was down")));
    }

    @Test
    void theFlushRetriesWhileRedisRecoversAndWritesEverythingItLacks() {
        SessionStore store = store();
        server.stop();
        Session x = store.create(Optional.empty());
        Session y = store.create(Optional.empty());
        restartRedisAtSleep = 3;
        long before = nanos.get();
        // the first try opens the circuit (third failure); after OPEN_FOR one probe goes through
        assertThat(store.flush(Duration.ofSeconds(10)), is(0));
        assertThat(sleeps.get(), greaterThanOrEqualTo(3));
        assertThat(nanos.get() - before, lessThanOrEqualTo(Duration.ofSeconds(10).toNanos()));
        assertThat(store.flushed(), is(2L));
        assertThat(store.dirty(), is(0L));
        SessionStore other = store();
        assertThat(other.find(x.id()).isPresent(), is(true));
        assertThat(other.find(y.id()).isPresent(), is(true));
    }

    @Test
    void theFlushGivesUpAtItsTimeout() {
        SessionStore store = store();
        server.stop();
        store.create(Optional.empty());
        long before = nanos.get();
        assertThat(store.flush(Duration.ofSeconds(1)), is(1));
        assertThat("it kept trying", sleeps.get(), greaterThanOrEqualTo(10));
        assertThat(nanos.get() - before, lessThanOrEqualTo(Duration.ofSeconds(1).toNanos()));
        assertThat(store.flushed(), is(0L));
        assertThat(store.dirty(), is(1L));
    }

    @Test
    void anInterruptedFlushStopsAndKeepsTheInterrupt() {
        SessionConfig c = new SessionConfig(10, Duration.ofMinutes(30), 10, 10, 8000, Duration.ofSeconds(10),
                                            Duration.ZERO, Duration.ZERO);
        RedisSessions shared = new RedisSessions(redis, NAMESPACE, c.idleTtl(), c.maxMessages());
        SessionStore store = new TieredSessionStore(c, shared, KeyTracking.off(),
                                                    new SessionTouches(shared, c.maxActive(), Duration.ZERO),
                                                    nanos::get, clock, d -> {
            throw new InterruptedException("stop");
        });
        server.stop();
        store.create(Optional.empty());
        try {
            assertThat(store.flush(c.flushTimeout()), is(1));
            assertThat(Thread.currentThread().isInterrupted(), is(true));
        } finally {
            Thread.interrupted();
        }
    }
}
