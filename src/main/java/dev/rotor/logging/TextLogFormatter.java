package dev.rotor.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * The readable line of {@code logging.properties}
 * ({@code 2026-11-30T11:07:30.284 INFO dev.rotor.Replica: message}), written by hand: the JDK's
 * {@code SimpleFormatter} builds the same line with {@code String.format} and seven date
 * conversions, which made a text access line cost about twice a JSON one
 * ({@code bench/access-log}). The level is written as the JSON lines write it, in the words
 * {@code LOG_LEVEL} takes ({@code WARN}, not JUL's {@code WARNING}). Used only while
 * {@code logging.properties} keeps that format; an operator's own format goes through
 * {@code SimpleFormatter} as before (with JUL's level names).
 */
final class TextLogFormatter extends Formatter {
    /** The format in {@code logging.properties} that this formatter writes. */
    static final String FORMAT = "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tL %4$s %3$s: %5$s%6$s%n";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS");

    private final ZoneId zone;
    /** The last millisecond written and its text: access lines come many to a millisecond under load. */
    private volatile Stamp last = new Stamp(Long.MIN_VALUE, "");

    private record Stamp(long epochMilli, String text) {
    }

    /**
     * @param zone the zone of the timestamps (SimpleFormatter's: the system default)
     */
    TextLogFormatter(ZoneId zone) {
        this.zone = zone;
    }

    /**
     * @return whether the configured line is the one this formatter writes
     */
    static boolean configured() {
        String format = LogManager.getLogManager().getProperty("java.util.logging.SimpleFormatter.format");
        String override = System.getProperty("java.util.logging.SimpleFormatter.format");
        return FORMAT.equals(override != null ? override : format);
    }

    private String stamp(Instant at) {
        long ms = at.toEpochMilli();
        Stamp s = last;
        if (s.epochMilli() != ms) {
            s = new Stamp(ms, TIME.format(ZonedDateTime.ofInstant(at, zone)));
            last = s;
        }
        return s.text();
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160);
        line.append(stamp(record.getInstant()));
        line.append(' ').append(LogLevels.word(record.getLevel()))
                .append(' ').append(record.getLoggerName())
                .append(": ").append(formatMessage(record));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            PrintWriter writer = new PrintWriter(trace);
            writer.println();
            record.getThrown().printStackTrace(writer);
            writer.close();
            line.append(trace);
        }
        return line.append(System.lineSeparator()).toString();
    }
}
