package dev.rotor.session;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One fair lock per session id, held while a message is answered so that messages to one
 * session are applied in arrival order. An entry lives only while someone holds or waits for
 * it, so the map is bounded by the requests in flight, never by the sessions that exist.
 */
final class SessionLocks {
    private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock(true);
        int users;
    }

    /**
     * @param id   session id
     * @param wait longest wait for the lock
     * @return a handle to close, or null when the lock was not had in time
     * @throws InterruptedException when interrupted while waiting
     */
    AutoCloseable lock(String id, Duration wait) throws InterruptedException {
        Entry entry = locks.compute(id, (k, e) -> {
            Entry en = e == null ? new Entry() : e;
            en.users++;
            return en;
        });
        boolean locked = false;
        try {
            locked = entry.lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            if (!locked) {
                release(id);
            }
        }
        return locked ? () -> {
            entry.lock.unlock();
            release(id);
        } : null;
    }

    /** @return ids with a holder or waiter right now */
    int size() {
        return locks.size();
    }

    private void release(String id) {
        locks.computeIfPresent(id, (k, e) -> --e.users == 0 ? null : e);
    }
}
