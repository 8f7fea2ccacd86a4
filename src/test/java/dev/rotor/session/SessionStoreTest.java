package dev.rotor.session;

import java.time.Clock;
import java.time.Duration;
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
 * The memory tier's bounds, with a fake ticker instead of sleeps.
 */
class SessionStoreTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private SessionStore store(int maxActive, Duration idle, int maxMessages) {
        SessionConfig c = new SessionConfig(maxActive, idle, Math.min(20, maxMessages), maxMessages, 8000, Duration.ZERO);
        return new SessionStore(c, Optional.empty(), "rotor:test:", nanos::get, Clock.systemUTC());
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void moreSessionsThanTheCapEvictTheLeastRecentlyUsed() {
        SessionStore store = store(3, Duration.ofMinutes(30), 10);
        Session a = store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        Session b = store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        Session c = store.create(Optional.empty());
        advance(Duration.ofSeconds(1));
        store.find(a.id()); // a is now the most recently used; b the least
        advance(Duration.ofSeconds(1));
        Session d = store.create(Optional.empty());

        assertThat(store.find(b.id()).isPresent(), is(false));
        assertThat(store.find(a.id()).isPresent(), is(true));
        assertThat(store.find(c.id()).isPresent(), is(true));
        assertThat(store.find(d.id()).isPresent(), is(true));
        assertThat(store.active(), is(3L));
        assertThat(store.evicted(RemovalCause.SIZE), is(1L));
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
    void idleSessionsExpireAndUsedOnesDoNot() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        Session idle = store.create(Optional.empty());
        Session used = store.create(Optional.of("be brief"));
        advance(Duration.ofMinutes(20));
        store.find(used.id());
        advance(Duration.ofMinutes(11)); // idle: 31 min unused; used: 11 min
        assertThat(store.find(idle.id()).isPresent(), is(false));
        assertThat(store.find(used.id()).isPresent(), is(true));
        assertThat(store.evicted(RemovalCause.EXPIRED), is(1L));
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
}
