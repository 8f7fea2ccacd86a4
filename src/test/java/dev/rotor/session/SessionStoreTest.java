package dev.rotor.session;

import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.RemovalCause;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The memory-only store: the contract, and the memory tier's bounds seen from outside (with
 * no shared tier an evicted or expired session is gone), with a fake ticker instead of sleeps.
 */
class SessionStoreTest extends SessionStoreContract {
    @Override
    SessionStore store(SessionConfig c) {
        return new LocalSessionStore(c, nanos::get, clock);
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
    void nothingIsSharedSoThereIsNothingToFlush() {
        SessionStore store = store(10, Duration.ofMinutes(30), 10);
        store.create(Optional.empty());
        assertThat(store.shared(), is(false));
        assertThat(store.flush(Duration.ofSeconds(1)), is(0));
        assertThat(store.dirty(), is(0L));
    }
}
