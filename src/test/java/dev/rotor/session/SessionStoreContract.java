package dev.rotor.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

/**
 * What every session store promises, run against each implementation ({@link SessionStoreTest}
 * for memory only, {@link TieredSessionStoreTest} for memory over Redis). Time is one manual
 * clock that drives both the memory tier's ticker and the wall clock: the tests move it, never
 * sleep.
 */
abstract class SessionStoreContract {
    /** An arbitrary start (2026-11-30T00:00:00Z), whole milliseconds as Redis stores them. */
    private static final Instant START = Instant.parse("2026-11-30T00:00:00Z");
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return START.plusMillis(nanos.get() / 1_000_000);
        }
    };

    /**
     * @param config bounds
     * @return a store of the implementation under test on {@link #nanos} and {@link #clock}
     */
    abstract SessionStore store(SessionConfig config);

    SessionStore store(int maxActive, Duration idle, int maxMessages) {
        return store(new SessionConfig(maxActive, idle, Math.min(20, maxMessages), maxMessages, 8000, Duration.ZERO,
                                       Duration.ZERO, Duration.ZERO));
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void manyMoreSessionsThanTheCapNeverHoldMoreThanTheCap() {
        SessionStore store = store(100, Duration.ofMinutes(30), 10);
        for (int i = 0; i < 5_000; i++) {
            store.create(Optional.empty());
        }
        assertThat(store.active(), is(100L));
        assertThat(store.evicted(RemovalCause.SIZE), is(4_900L));
    }

    @Test
    void appendsKeepOrderAndDropTheOldestBeyondMaxMessages() {
        SessionStore store = store(10, Duration.ofMinutes(30), 4);
        Session s = store.create(Optional.empty());
        for (int i = 1; i <= 3; i++) {
            store.append(s.id(), List.of(new ChatMessage("user", "q" + i), new ChatMessage("assistant", "a" + i)));
        }
        assertThat(store.find(s.id()).orElseThrow().messages().stream().map(ChatMessage::content).toList(),
                   contains("q2", "a2", "q3", "a3"));
    }

    @Test
    void thePromptIsTheSystemPromptAndTheLastHistoryMessages() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        Session s = store.create(Optional.of("sys"));
        store.append(s.id(), List.of(new ChatMessage("user", "q1"), new ChatMessage("assistant", "a1")));
        Session after = store.find(s.id()).orElseThrow();
        assertThat(after.prompt(new ChatMessage("user", "q2"), 2).stream().map(ChatMessage::content).toList(),
                   contains("sys", "a1", "q2"));
    }

    @Test
    void deleteRemovesAndCounts() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        Session s = store.create(Optional.empty());
        assertThat(store.delete(s.id()), is(true));
        assertThat(store.delete(s.id()), is(false));
        assertThat(store.find(s.id()).isPresent(), is(false));
        assertThat(store.deleted(), is(1L));
    }

    @Test
    void unknownSessionsAreNotFoundNorAppendedToNorDeleted() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        String unknown = "0123456789abcdef0123456789abcdef";
        assertThat(store.find(unknown).isPresent(), is(false));
        assertThat(store.append(unknown, List.of(new ChatMessage("user", "q"))).isPresent(), is(false));
        assertThat(store.delete(unknown), is(false));
        assertThat(store.active(), is(0L));
        assertThat(store.deleted(), is(0L));
    }

    @Test
    void aSessionKeepsItsPromptAndCreationAndIsMarkedUsedWhenReadOrWritten() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        Instant created = clock.instant();
        Session s = store.create(Optional.of("be brief"));
        assertThat(s.id().matches("[0-9a-f]{32}"), is(true));
        assertThat(s.created(), is(created));
        advance(Duration.ofSeconds(7));
        Session read = store.find(s.id()).orElseThrow();
        assertThat(read.system(), is(Optional.of("be brief")));
        assertThat(read.created(), is(created));
        assertThat(read.lastUsed(), is(created.plusSeconds(7)));
        advance(Duration.ofSeconds(5));
        Session written = store.append(s.id(), List.of(new ChatMessage("user", "q"))).orElseThrow();
        assertThat(written.lastUsed(), is(created.plusSeconds(12)));
        assertThat(written.messages().size(), is(1));
    }

    @Test
    void twoSessionsNeverShareAnId() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        Session a = store.create(Optional.empty());
        Session b = store.create(Optional.empty());
        assertThat(a.id().equals(b.id()), is(false));
        store.append(a.id(), List.of(new ChatMessage("user", "only a")));
        assertThat(store.find(b.id()).orElseThrow().messages().isEmpty(), is(true));
    }
}
