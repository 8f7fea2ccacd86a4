package dev.rotor.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line, for log pipelines (Kubernetes, Render, CloudWatch, Loki):
 * <pre>
 * {"timestamp":"2026-12-01T10:15:30.123Z","level":"WARN","logger":"redis.clients.jedis.X",
 *  "message":"...","thread":"main","exception":"java.io.IOException: ...\n\tat ..."}
 * </pre>
 * {@code exception} is present only when the record carries one (the whole stack trace, as
 * one string). An access line has its own fields instead of {@code message} alone
 * ({@link AccessRecord#writeJson}):
 * <pre>
 * {"timestamp":"...","level":"INFO","logger":"rotor.access","message":"GET / 200","method":"GET","path":"/",
 *  "status":200,"bytes":45,"duration_ms":0.412,"client":"ip:127.0.0.1","request_id":"3f9c1a7be2d40c55-1a"}
 * </pre> Levels use the {@code LOG_LEVEL} words: {@code TRACE}, {@code DEBUG},
 * {@code INFO}, {@code WARN}, {@code ERROR}. Control characters are escaped, so a message
 * with a line break stays on its line.
 */
final class JsonLogFormatter extends Formatter {
    private final Formatter replaced;

    /**
     * @param replaced the handler's formatter before this one (given back for text)
     */
    JsonLogFormatter(Formatter replaced) {
        this.replaced = replaced;
    }

    /** @return the formatter this one replaced */
    Formatter replaced() {
        return replaced;
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(256);
        line.append("{\"timestamp\":\"").append(DateTimeFormatter.ISO_INSTANT.format(record.getInstant())).append('"');
        field(line, "level", LogLevels.word(record.getLevel()));
        field(line, "logger", record.getLoggerName() == null ? "" : record.getLoggerName());
        if (record instanceof AccessRecord access) {
            // fields a pipeline can query, not one string; the thread is the log writer's
            access.writeJson(line);
            return line.append("}\n").toString();
        }
        field(line, "message", formatMessage(record));
        field(line, "thread", thread(record));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            field(line, "exception", trace.toString().stripTrailing());
        }
        return line.append("}\n").toString();
    }

    /**
     * JUL records carry the thread's id, not its name; handlers format on the logging thread
     * (console handlers are synchronous), so the current thread is the one that logged.
     * Virtual threads are usually unnamed: then the id.
     */
    private static String thread(LogRecord record) {
        Thread current = Thread.currentThread();
        if (current.threadId() == record.getLongThreadID() && !current.getName().isEmpty()) {
            return current.getName();
        }
        return "#" + record.getLongThreadID();
    }

    private static void field(StringBuilder line, String name, String value) {
        line.append(",\"").append(name).append("\":\"");
        escape(line, value == null ? "" : value);
        line.append('"');
    }

    static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
