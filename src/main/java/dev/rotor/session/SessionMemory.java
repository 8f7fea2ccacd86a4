package dev.rotor.session;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.rotor.redis.KeyTracking;
import dev.rotor.upstream.ChatMessage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The memory tier that every store has: at most {@code max-active} sessions, least recently
 * used evicted first (exactly), and none idle for longer than {@code idle-ttl}. Concurrent
 * inserts may overshoot the bound for the instant before the inserting thread trims it.
 * Each entry says whether a shared tier lacks it ("dirty"); a memory-only store never sets it.
 */
final class SessionMemory {
    /**
     * A memory copy, whether the shared tier lacks it, and what it was read from Redis under.
     *
     * @param session the copy
     * @param dirty   whether the shared tier lacks it
     * @param stamp   the tracking stamp taken before it was read from Redis; null when it was
     *                not read from Redis (made or changed here), so never served as current
     */
    record Entry(Session session, boolean dirty, KeyTracking.Stamp stamp) {
        Entry(Session session, boolean dirty) {
            this(session, dirty, null);
        }
    }

    private final int maxActive;
    private final int maxMessages;
    private final Cache<String, Entry> cache;
    private final Map<RemovalCause, AtomicLong> evicted = new EnumMap<>(RemovalCause.class);
    private final ReentrantLock trimLock = new ReentrantLock();

    /**
     * @param config bounds
     * @param ticker time source of the idle expiry (tests pass a fake one)
     */
    SessionMemory(SessionConfig config, Ticker ticker) {
        this.maxActive = config.maxActive();
        this.maxMessages = config.maxMessages();
        for (RemovalCause cause : RemovalCause.values()) {
            evicted.put(cause, new AtomicLong());
        }
        // No maximumSize: Caffeine's size policy (W-TinyLFU) may keep an old, often-read session
        // over a new one, and the contract here is least recently used first. The access-order
        // queue that expireAfterAccess keeps is exact LRU, so put() trims from its head.
        this.cache = Caffeine.newBuilder()
                .expireAfterAccess(config.idleTtl())
                .ticker(ticker)
                // evictions run on the caller's thread: no pool threads, and tests see them at once
                .executor(Runnable::run)
                .evictionListener((String id, Entry e, RemovalCause cause) -> evicted.get(cause).incrementAndGet())
                .build();
    }

    /**
     * @param id session id
     * @return the entry (which counts as a use), or null
     */
    Entry get(String id) {
        return cache.getIfPresent(id);
    }

    /**
     * @param id    session id
     * @param now   the new last-used time
     * @param dirty whether the shared tier lacks the result
     * @return the session marked used, if memory has it
     */
    Optional<Session> touch(String id, Instant now, boolean dirty) {
        Entry e = get(id);
        if (e == null) {
            return Optional.empty();
        }
        Session touched = e.session().touch(now);
        // the get above already counted as a use; the copy's last use is kept to the millisecond
        // (as Redis keeps it), so a busy session is not rewritten by every read within one
        if (e.dirty() != dirty || e.session().lastUsed().toEpochMilli() != now.toEpochMilli()) {
            put(id, new Entry(touched, dirty));
        }
        return Optional.of(touched);
    }

    /**
     * @param id       session id
     * @param messages what to add, in order (the oldest beyond max-messages are dropped)
     * @param now      the new last-used time
     * @param dirty    whether the shared tier lacks the result
     * @return the session after the append, if memory has it
     */
    Optional<Session> append(String id, List<ChatMessage> messages, Instant now, boolean dirty) {
        Entry e = get(id);
        if (e == null) {
            return Optional.empty();
        }
        Session next = e.session().append(messages, maxMessages, now);
        put(id, new Entry(next, dirty));
        return Optional.of(next);
    }

    /** Insert or replace, then evict least recently used sessions beyond max-active. */
    void put(String id, Entry entry) {
        cache.put(id, entry);
        if (cache.estimatedSize() <= maxActive) {
            return;
        }
        trimLock.lock();
        try {
            cache.cleanUp(); // drain buffered reads so that the access order is exact
            long excess = cache.estimatedSize() - maxActive;
            if (excess > 0) {
                var order = cache.policy().expireAfterAccess().orElseThrow();
                for (Map.Entry<String, Entry> oldest : order.oldest((int) excess).entrySet()) {
                    if (cache.asMap().remove(oldest.getKey(), oldest.getValue())) {
                        evicted.get(RemovalCause.SIZE).incrementAndGet();
                    }
                }
            }
        } finally {
            trimLock.unlock();
        }
    }

    /**
     * @param id session id
     * @return whether memory held it
     */
    boolean remove(String id) {
        return cache.asMap().remove(id) != null;
    }

    /** @return the entries that the shared tier lacks, as they are now */
    List<Map.Entry<String, Entry>> dirtyEntries() {
        return cache.asMap().entrySet().stream().filter(e -> e.getValue().dirty()).map(e -> Map.entry(e.getKey(), e.getValue())).toList();
    }

    /**
     * The shared tier now has {@code saved}: clear its dirty mark unless it changed meanwhile.
     *
     * @param id    session id
     * @param saved the entry that was written
     */
    void markSaved(String id, Entry saved) {
        cache.asMap().computeIfPresent(id, (k, v) -> v == saved ? new Entry(v.session(), false) : v);
    }

    /** @return sessions in memory now */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** @return sessions in memory that the shared tier lacks */
    long dirty() {
        return cache.asMap().values().stream().filter(Entry::dirty).count();
    }

    /**
     * @param cause {@code SIZE} or {@code EXPIRED}
     * @return sessions evicted for that cause
     */
    long evicted(RemovalCause cause) {
        return evicted.get(cause).get();
    }
}
