package dev.rotor.logging;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.helidon.logging.jul.HelidonConsoleHandler;

/**
 * Writes access lines from one thread, in batches. Logging each line on its request's thread
 * cost a fifth of a request's CPU under load ({@code bench/overhead}): every line took the
 * console handler's lock (64 connections queueing on it) and flushed standard output with a
 * system call of its own. Here a request hands its record over and goes on; the writer takes
 * whatever has queued up, formats it with each root handler's own formatter and level (so text
 * and JSON lines look exactly as before), and writes the console's share with one write and one
 * flush. A line waits at most about a millisecond; after a tenth of a second with no line the
 * writer sleeps until the next request wakes it.
 *
 * <p>Bounded: past {@link #capacity} lines waiting, a request logs its line itself, as before,
 * so a slow log sink slows requests down rather than growing memory. Handlers other than the
 * console (an operator's file handler) get every record through their own {@code publish}.
 * {@link #close()} writes what is still queued: the server stops it after the last request.
 */
final class AccessLogWriter implements AutoCloseable {
    /**
     * How long the writer lets lines gather before it looks again: under load a batch is a
     * millisecond of lines (one write), and no request pays for waking it (a wake-up per line,
     * a system call each, cost more CPU than writing the lines).
     */
    private static final long NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Empty looks (~0.1 s with nothing to write) before it sleeps until a request wakes it. */
    private static final int IDLE_NAPS = 100;

    private final Logger logger;
    private final int capacity;
    /** Lock-free, and the writer parks when idle (a blocking queue's take spins first: CPU on a 2-core box). */
    private final ConcurrentLinkedQueue<LogRecord> queue = new ConcurrentLinkedQueue<>();
    /** Set by the writer just before it parks, so a request knows to wake it. */
    private volatile boolean parked;
    private volatile boolean stopping;
    private final AtomicInteger queued = new AtomicInteger();
    private final PrintStream console;
    private final Thread thread;

    /**
     * @param logger   the access logger (its name goes on every record)
     * @param capacity lines that may wait for the writer
     * @param console  the stream {@link HelidonConsoleHandler} writes to (standard output)
     */
    AccessLogWriter(Logger logger, int capacity, PrintStream console) {
        this.logger = logger;
        this.capacity = capacity;
        this.console = console;
        this.thread = Thread.ofPlatform().name("rotor-access-log").daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * @param r an access record ({@link AccessRecord}: formatted by the writer), logged at its
     *          level on the access logger
     */
    void log(LogRecord r) {
        r.setLoggerName(logger.getName());
        if (queued.incrementAndGet() > capacity || !thread.isAlive()) {
            queued.decrementAndGet();
            logger.log(r);
            return;
        }
        queue.add(r);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Write what is queued and stop the writer. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<LogRecord> batch = new ArrayList<>(256);
        int idle = 0;
        while (true) {
            boolean last = stopping;
            for (LogRecord r = queue.poll(); r != null; r = batch.size() < 1024 ? queue.poll() : null) {
                batch.add(r);
            }
            if (batch.isEmpty()) {
                if (last) {
                    return;
                }
                if (idle++ < IDLE_NAPS) {
                    // traffic comes in bursts: nap and look again, with nobody needing to wake us
                    LockSupport.parkNanos(this, NAP_NANOS);
                    continue;
                }
                parked = true;
                // a record added before this check is seen here; one added after it sees parked
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                parked = false;
                idle = 0;
                continue;
            }
            idle = 0;
            queued.addAndGet(-batch.size());
            try {
                write(batch);
            } catch (RuntimeException e) {
                // a formatter or handler failed: these lines are lost, the writer must not be
                Logger.getLogger(AccessLogWriter.class.getName()).log(Level.WARNING, "access log: " + e, e);
            }
            batch.clear();
        }
    }

    private void write(List<LogRecord> batch) {
        for (Handler h : handlers()) {
            if (h instanceof HelidonConsoleHandler) {
                StringBuilder text = new StringBuilder(batch.size() * 160);
                for (LogRecord r : batch) {
                    if (h.isLoggable(r)) {
                        text.append(h.getFormatter().format(r));
                    }
                }
                if (!text.isEmpty()) {
                    String encoding = h.getEncoding();
                    byte[] bytes = text.toString().getBytes(encoding == null ? Charset.defaultCharset() : Charset.forName(encoding));
                    // one locked write of whole lines: other handlers' lines never land inside one
                    console.write(bytes, 0, bytes.length);
                    console.flush();
                }
            } else {
                for (LogRecord r : batch) {
                    h.publish(r);
                }
            }
        }
    }

    /** @return the handlers {@code Logger.log} would publish to: the logger's own, then its parents' */
    private List<Handler> handlers() {
        List<Handler> all = new ArrayList<>(2);
        for (Logger l = logger; l != null; l = l.getUseParentHandlers() ? l.getParent() : null) {
            all.addAll(List.of(l.getHandlers()));
        }
        return all;
    }
}
