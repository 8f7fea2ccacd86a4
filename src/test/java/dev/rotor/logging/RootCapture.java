package dev.rotor.logging;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A handler on the root logger, beside the console handler that {@code logging.properties}
 * installs: what it sees is what the replica's own handlers see. Closing it removes it and
 * gives the named loggers their levels back.
 */
final class RootCapture extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final List<Logger> opened = new CopyOnWriteArrayList<>();
    private final List<Level> previous = new CopyOnWriteArrayList<>();

    private RootCapture() {
        setLevel(Level.ALL);
    }

    /**
     * @param verbose loggers to open to every level while capturing (kept here: JUL holds loggers weakly)
     * @return an installed capture
     */
    static RootCapture install(String... verbose) {
        RootCapture capture = new RootCapture();
        for (String name : verbose) {
            Logger logger = Logger.getLogger(name);
            capture.opened.add(logger);
            capture.previous.add(logger.getLevel());
            logger.setLevel(Level.ALL);
        }
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    List<LogRecord> records() {
        return records;
    }

    List<LogRecord> from(String loggerPrefix) {
        return records.stream()
                .filter(r -> r.getLoggerName() != null && r.getLoggerName().startsWith(loggerPrefix))
                .toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        for (int i = 0; i < opened.size(); i++) {
            opened.get(i).setLevel(previous.get(i));
        }
    }
}
