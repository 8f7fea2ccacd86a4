package dev.rotor.logging;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.helidon.logging.jul.HelidonConsoleHandler;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class AccessLogWriterTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 2_000;

    /** A logger of its own, not the root's handlers: what the writer sees is only what a test adds. */
    private static Logger isolated() {
        Logger logger = Logger.getLogger("rotor.access.test." + UUID.randomUUID());
        logger.setUseParentHandlers(false);
        return logger;
    }

    private static void logFromManyThreads(AccessLogWriter writer) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < PER_THREAD; i++) {
                    writer.log(new LogRecord(Level.INFO, "line t" + id + " n" + i));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    private static Set<String> expected() {
        Set<String> all = new HashSet<>();
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < PER_THREAD; i++) {
                all.add("line t" + t + " n" + i);
            }
        }
        return all;
    }

    @Test
    void everyLineReachesTheConsoleWholeInItsHandlersFormat() throws InterruptedException {
        Logger logger = isolated();
        HelidonConsoleHandler console = new HelidonConsoleHandler();
        console.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                return "[" + record.getLoggerName().startsWith("rotor.access") + "] " + record.getMessage() + "\n";
            }
        });
        logger.addHandler(console);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLogWriter writer = new AccessLogWriter(logger, 100_000, new PrintStream(out, false, StandardCharsets.UTF_8));
        logFromManyThreads(writer);
        writer.close();

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.size(), is(THREADS * PER_THREAD));
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            assertThat(line, line.startsWith("[true] line t"), is(true));
            seen.add(line.substring("[true] ".length()));
        }
        assertThat(seen, is(expected()));
    }

    @Test
    void aFullQueueMakesRequestsWriteTheirOwnLinesAndNoneIsLost() throws InterruptedException {
        Logger logger = isolated();
        List<String> published = new CopyOnWriteArrayList<>();
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                published.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        // room for one waiting line: most lines are written by the threads that log them
        AccessLogWriter writer = new AccessLogWriter(logger, 1, new PrintStream(new ByteArrayOutputStream()));
        logFromManyThreads(writer);
        writer.close();

        assertThat(published.size(), is(THREADS * PER_THREAD));
        assertThat(new HashSet<>(published), is(expected()));
    }
}
