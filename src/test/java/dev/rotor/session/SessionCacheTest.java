package dev.rotor.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.rotor.redis.KeyTracking;
import dev.rotor.redis.SharedRedis;
import dev.rotor.support.Await;
import dev.rotor.support.RealRedis;
import dev.rotor.support.RedisTestServer;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * Reads served from memory while Redis's invalidations say it is current, against a real
 * redis-server, with stores that stand for replicas (each with its own Redis client and its own
 * tracking subscription, as separate processes have).
 */
class SessionCacheTest {
    private static final String NAMESPACE = "rotor:cache-test:";
    private static final Duration LAG = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final RealRedis real = new RealRedis();
    private RedisTestServer server;

    /** A replica's parts: its Redis client and its store. */
    private record Replica(SharedRedis redis, KeyTracking tracking, SessionTouches touches, TieredSessionStore store) {
    }

    @BeforeEach
    void start() {
        server = real.server();
    }

    private Replica replica(Duration touchPeriod) {
        SharedRedis redis = real.client(real.config(8, Duration.ofSeconds(1), Duration.ofSeconds(1),
                                                    Duration.ofSeconds(1), 3, Duration.ofMillis(200)),
                                        System::nanoTime);
        SessionConfig c = new SessionConfig(100, Duration.ofMinutes(30), 20, 10_000, 8000, Duration.ofSeconds(5), LAG,
                                            touchPeriod);
        RedisSessions shared = new RedisSessions(redis, NAMESPACE, c.idleTtl(), c.maxMessages());
        KeyTracking tracking = KeyTracking.start(redis, NAMESPACE + "session:", LAG);
        SessionTouches touches = new SessionTouches(shared, c.maxActive(), touchPeriod);
        TieredSessionStore store = new TieredSessionStore(c, shared, tracking, touches, Ticker.systemTicker(),
                                                          Clock.systemUTC(), Thread::sleep);
        real.closeAfterTest(store);
        Await.until("tracking live", WAIT, tracking::live);
        return new Replica(redis, tracking, touches, store);
    }

    /** Read until a read is answered from memory (the first loads the copy). */
    private static void cached(Replica r, String id) {
        long before = r.store().servedFromMemory();
        Await.until("a read from memory", WAIT, () -> {
            r.store().find(id).orElseThrow();
            return r.store().servedFromMemory() > before;
        });
    }

    @Test
    void aCurrentCopyIsReadWithoutARoundTripAndReadsWriteNothing() {
        Replica a = replica(Duration.ZERO);
        Session s = a.store().create(Optional.of("cached"));
        cached(a, s.id());
        long lastUsed = lastUsedInRedis(s.id());
        long scripts = server.calls("evalsha") + server.calls("eval");
        long served = a.store().servedFromMemory();
        for (int i = 0; i < 100; i++) {
            assertThat(a.store().find(s.id()).orElseThrow().system(), is(Optional.of("cached")));
        }
        assertThat("no script ran for 100 reads", server.calls("evalsha") + server.calls("eval"), is(scripts));
        assertThat(a.store().servedFromMemory(), is(served + 100));
        assertThat("reads wrote nothing", lastUsedInRedis(s.id()), is(lastUsed));
    }

    @Test
    void lastUsesAreWrittenInOneBatch() {
        Replica a = replica(Duration.ZERO); // batches only when written by hand
        Session one = a.store().create(Optional.empty());
        Session two = a.store().create(Optional.empty());
        // the reads' last use must be later than the creation it is compared with below: on a
        // fast run both fell in one millisecond (CI failed once); let the clock move on first
        long created = Math.max(one.created().toEpochMilli(), two.created().toEpochMilli());
        while (Instant.now().toEpochMilli() <= created) {
            Thread.onSpinWait();
        }
        for (int i = 0; i < 20; i++) {
            a.store().find(one.id());
            a.store().find(two.id());
        }
        Instant afterReads = Instant.now();
        long touches = server.calls("evalsha");
        assertThat("one batch, two sessions", a.touches().write(), is(2));
        assertThat("one script call per session in the batch, pipelined", server.calls("evalsha") - touches, is(2L));
        for (Session s : List.of(one, two)) {
            long stored = lastUsedInRedis(s.id());
            assertThat(stored > s.created().toEpochMilli() && stored <= afterReads.toEpochMilli(), is(true));
        }
        assertThat("nothing left to write", a.touches().write(), is(0));
        assertThat("a deleted session is not brought back by a late last use",
                   a.store().delete(one.id()) && a.store().find(two.id()).isPresent(), is(true));
        a.touches().record(one.id(), Instant.now());
        a.touches().write();
        assertThat(server.command("EXISTS", NAMESPACE + "session:{" + one.id() + "}"), is(":0"));
    }

    private long lastUsedInRedis(String id) {
        // RedisTestServer returns a reply's first line only: a bulk string's is its length, so ask
        // for the value as an integer reply, which is one line
        return Long.parseLong(server.command("EVAL", "return tonumber(redis.call('HGET', KEYS[1], 'lastUsed'))", "1",
                                             NAMESPACE + "session:{" + id + "}").substring(1));
    }

    @Test
    void losingTheInvalidationChannelDropsEveryCopy() {
        Replica a = replica(Duration.ZERO);
        Replica b = replica(Duration.ZERO);
        Session s = a.store().create(Optional.empty());
        cached(b, s.id());
        long generations = b.tracking().generations();
        // every subscriber connection goes (a's and b's); b must not trust what it read before
        server.command("CLIENT", "KILL", "TYPE", "pubsub");
        Await.until("b's copies dropped", WAIT, () -> b.tracking().generations() > generations);
        a.store().append(s.id(), List.of(new ChatMessage("user", "written while b was not listening")));
        Await.until("tracking live again", WAIT, b.tracking()::live);
        assertThat(b.store().find(s.id()).orElseThrow().messages().size(), is(1));
        cached(b, s.id()); // and copies are served again
    }

    @Test
    void anOpenCircuitDropsEveryCopy() {
        Replica a = replica(Duration.ZERO);
        Session s = a.store().create(Optional.empty());
        cached(a, s.id());
        long generations = a.tracking().generations();
        for (int i = 0; i < 3; i++) {
            a.redis().circuit().onFailure(new IllegalStateException("staged"));
        }
        Await.until("copies dropped while the circuit is open", WAIT, () -> a.tracking().generations() > generations);
        a.redis().circuit().onSuccess();
        long reads = server.calls("evalsha") + server.calls("eval");
        long served = a.store().servedFromMemory();
        assertThat(a.store().find(s.id()).isPresent(), is(true));
        assertThat("the first read after the outage asks Redis", server.calls("evalsha") + server.calls("eval"),
                   is(reads + 1));
        assertThat(a.store().servedFromMemory(), is(served));
    }

    /**
     * The guarantee, under load: three threads read on replica B while replica A appends; every
     * read on B that began 100 ms (the cache lag) or more after A acknowledged a message returns
     * that message.
     */
    @Test
    void aMessageAcknowledgedOnOneReplicaIsReadOnAnotherOnceTheLagHasPassed() throws Exception {
        Replica a = replica(Duration.ofMillis(50)); // batches of last uses invalidate copies too
        Replica b = replica(Duration.ofMillis(50));
        int sessions = 8;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            ids.add(a.store().create(Optional.empty()).id());
        }
        // per session: the latest (ack time, messages) acknowledged on A
        List<ConcurrentLinkedQueue<long[]>> acks = new ArrayList<>();
        ids.forEach(id -> acks.add(new ConcurrentLinkedQueue<>()));
        ConcurrentLinkedQueue<long[]> reads = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            readers.add(Thread.ofPlatform().start(() -> {
                try {
                    while (running.get()) {
                        int i = ThreadLocalRandom.current().nextInt(sessions);
                        long began = System.nanoTime();
                        int seen = b.store().find(ids.get(i)).orElseThrow().messages().size();
                        reads.add(new long[] {i, began, seen});
                        LockSupport.parkNanos(100_000); // thousands of reads per second each, not millions
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            }));
        }
        for (int n = 1; n <= 100; n++) {
            for (int i = 0; i < sessions; i++) {
                int size = a.store().append(ids.get(i), List.of(new ChatMessage("user", "m" + n))).orElseThrow()
                        .messages().size();
                acks.get(i).add(new long[] {System.nanoTime(), size});
            }
            Thread.sleep(5); // 800 appends in about a second, while the readers read
        }
        long lastAck = System.nanoTime();
        Await.until("reads beginning a lag after the last message", WAIT,
                    () -> reads.stream().filter(r -> r[1] > lastAck + LAG.toNanos()).count() > 100);
        running.set(false);
        for (Thread r : readers) {
            r.join();
        }
        assertThat(failed.get() == null ? "" : failed.get().toString(), failed.get() == null, is(true));

        List<String> stale = new ArrayList<>();
        for (long[] read : reads) {
            int i = (int) read[0];
            long due = 0;
            for (long[] ack : acks.get(i)) {
                if (ack[0] <= read[1] - LAG.toNanos()) {
                    due = Math.max(due, ack[1]);
                }
            }
            if (read[2] < due) {
                stale.add("session " + i + ": read saw " + read[2] + " messages, " + due + " were acknowledged "
                                  + LAG.toMillis() + " ms before it began");
            }
        }
        assertThat(stale.size() + " stale of " + reads.size() + " reads, e.g. "
                           + stale.subList(0, Math.min(3, stale.size())), stale.size(), is(0));
        assertThat("most reads were answered from memory", b.store().servedFromMemory(),
                   greaterThan((long) reads.size() / 2));
    }
}
