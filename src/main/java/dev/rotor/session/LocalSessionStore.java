package dev.rotor.session;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Sessions in this replica's memory only (no Redis): bounded as {@link SessionMemory} is, and
 * lost when the replica leaves.
 */
public final class LocalSessionStore implements SessionStore {
    private final SessionConfig config;
    private final SessionMemory memory;
    private final Clock clock;
    private final AtomicLong deleted = new AtomicLong();

    /**
     * @param config bounds
     * @param ticker time source of the idle expiry (tests pass a fake one)
     * @param clock  wall clock for the created / last used times
     */
    public LocalSessionStore(SessionConfig config, Ticker ticker, Clock clock) {
        this.config = config;
        this.memory = new SessionMemory(config, ticker);
        this.clock = clock;
    }

    @Override
    public Session create(Optional<String> system) {
        Session s = Session.create(system, clock.instant());
        memory.put(s.id(), new SessionMemory.Entry(s, false));
        return s;
    }

    @Override
    public Optional<Session> find(String id) {
        return memory.touch(id, clock.instant(), false);
    }

    @Override
    public Optional<Session> append(String id, List<ChatMessage> messages) {
        return memory.append(id, messages, clock.instant(), false);
    }

    @Override
    public boolean delete(String id) {
        boolean found = memory.remove(id);
        if (found) {
            deleted.incrementAndGet();
        }
        return found;
    }

    /** Nothing to write: there is no shared tier. */
    @Override
    public int flush(Duration timeout) {
        return 0;
    }

    @Override
    public SessionConfig config() {
        return config;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public long active() {
        return memory.size();
    }

    @Override
    public long evicted(RemovalCause cause) {
        return memory.evicted(cause);
    }

    @Override
    public long deleted() {
        return deleted.get();
    }

    @Override
    public long dirty() {
        return 0;
    }

    @Override
    public long loadedFromRedis() {
        return 0;
    }

    @Override
    public long flushed() {
        return 0;
    }

    @Override
    public void close() {
        // memory only: nothing to write, nothing to release
    }
}
