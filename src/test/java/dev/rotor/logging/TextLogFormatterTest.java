package dev.rotor.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The hand-written line is the line the JDK's SimpleFormatter writes for the format in
 * logging.properties, character for character, except the level: written in the words that
 * LOG_LEVEL takes and the docs use ({@code WARN}, not JUL's {@code WARNING}).
 */
class TextLogFormatterTest {
    @Test
    void writesWhatSimpleFormatterWritesForTheConfiguredFormatWithRotorsLevelWords() {
        for (ZoneId zone : List.of(ZoneId.of("UTC"), ZoneId.of("Asia/Kolkata"), ZoneId.of("America/St_Johns"))) {
            TextLogFormatter formatter = new TextLogFormatter(zone);
            for (LogRecord record : records()) {
                assertThat(zone + " " + record.getMessage(), formatter.format(record), is(simple(record, zone, formatter)));
            }
        }
    }

    @Test
    void levelsAreTheWordsTheReferenceDocumentsForLogLevel() throws Exception {
        TextLogFormatter formatter = new TextLogFormatter(ZoneId.of("UTC"));
        LogRecord warning = new LogRecord(Level.WARNING, "Redis circuit open");
        warning.setLoggerName("dev.rotor.redis.SharedRedis");
        warning.setInstant(Instant.parse("2026-12-07T03:00:00Z"));
        assertThat(formatter.format(warning), is("2026-12-07T03:00:00.000 WARN dev.rotor.redis.SharedRedis: Redis circuit open"
                                                         + System.lineSeparator()));
        String logLevelRow = Files.readAllLines(Path.of("docs/configuration.md")).stream()
                .filter(line -> line.startsWith("| `LOG_LEVEL` |")).findFirst().orElseThrow();
        Map<Level, String> words = new LinkedHashMap<>();
        for (Level level : List.of(Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINER,
                                   Level.FINEST)) {
            LogRecord record = new LogRecord(level, "m");
            record.setLoggerName("x");
            record.setInstant(Instant.EPOCH);
            String word = formatter.format(record).split(" ")[1];
            words.put(level, word);
            assertThat(level + " is written as " + word + ", a word the LOG_LEVEL row documents",
                       logLevelRow.contains("`" + word + "`"), is(true));
        }
        assertThat(words.get(Level.WARNING), is("WARN"));
        assertThat(words.get(Level.SEVERE), is("ERROR"));
        assertThat(words.get(Level.FINE), is("DEBUG"));
        assertThat(words.get(Level.FINEST), is("TRACE"));
    }

    @Test
    void theLineInLoggingPropertiesIsTheOneItWrites() throws Exception {
        try (var in = TextLogFormatterTest.class.getResourceAsStream("/logging.properties")) {
            java.util.Properties properties = new java.util.Properties();
            properties.load(in);
            assertThat(properties.getProperty("java.util.logging.SimpleFormatter.format"), is(TextLogFormatter.FORMAT));
        }
    }

    private static List<LogRecord> records() {
        LogRecord plain = new LogRecord(Level.INFO, "replica 7f3a2c serving 0.4s after JVM start");
        plain.setLoggerName("dev.rotor.lifecycle.ReplicaLifecycle");
        plain.setInstant(Instant.parse("2026-11-30T11:07:30.284123456Z"));
        LogRecord params = new LogRecord(Level.WARNING, "pool {0} at {1}");
        params.setLoggerName("redis.clients.jedis.JedisPool");
        params.setParameters(new Object[] {"main", 50});
        params.setInstant(Instant.parse("2026-01-01T00:00:00Z"));
        LogRecord thrown = new LogRecord(Level.SEVERE, "rotor failed to start");
        thrown.setLoggerName("dev.rotor.Main");
        thrown.setThrown(new IllegalStateException("port taken", new java.io.IOException("bind")));
        thrown.setInstant(Instant.parse("2026-12-31T23:59:59.999Z"));
        LogRecord noLogger = new LogRecord(Level.FINE, "no logger name; 100% literal %s");
        noLogger.setInstant(Instant.parse("2026-06-15T12:00:00.5Z"));
        return List.of(plain, params, thrown, noLogger);
    }

    /**
     * java.util.logging.SimpleFormatter#format, with the configured format and a given zone, and
     * the level in Rotor's words where SimpleFormatter writes JUL's localized name.
     */
    private static String simple(LogRecord record, ZoneId zone, TextLogFormatter messages) {
        ZonedDateTime time = ZonedDateTime.ofInstant(record.getInstant(), zone);
        String source = record.getSourceClassName() != null ? record.getSourceClassName() : record.getLoggerName();
        String throwable = "";
        if (record.getThrown() != null) {
            StringWriter sw = new StringWriter();
            PrintWriter pw = new PrintWriter(sw);
            pw.println();
            record.getThrown().printStackTrace(pw);
            pw.close();
            throwable = sw.toString();
        }
        return String.format(TextLogFormatter.FORMAT, time, source, record.getLoggerName(),
                             LogLevels.word(record.getLevel()), messages.formatMessage(record), throwable);
    }
}
