package dev.rotor.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One access line as fields, not as text: a request hands these over and goes on, and the log
 * writer's thread turns them into the line its handler writes, so that neither format costs the
 * request anything. The JSON formatter writes each field as its own JSON member
 * ({@link #writeJson}); every other formatter gets the logfmt text as the record's message
 * ({@link AccessLine}), built the first time it is asked for.
 */
final class AccessRecord extends LogRecord {
    private final String method;
    private final String path;
    private final int status;
    private final long bytes;
    private final long durationNanos;
    private final String client;
    private final String requestId;
    private transient String text;

    /**
     * @param method        request method
     * @param path          raw path, without the query
     * @param status        response status code
     * @param bytes         response bytes written, status line and headers included
     * @param durationNanos time from the filter to the response sent
     * @param client        the client as admission names it
     * @param requestId     the request's {@code X-Request-ID}; null when it has none
     */
    AccessRecord(String method, String path, int status, long bytes, long durationNanos, String client, String requestId) {
        super(Level.INFO, null);
        this.method = method;
        this.path = path;
        this.status = status;
        this.bytes = bytes;
        this.durationNanos = durationNanos;
        this.client = client;
        this.requestId = requestId;
    }

    /** @return the logfmt line, e.g. {@code method=GET path=/ status=200 bytes=45 duration_ms=0.412 client=ip:127.0.0.1 request_id=...} */
    @Override
    public String getMessage() {
        String t = text;
        if (t == null) {
            t = AccessLine.of(method, path, status, bytes, durationNanos, client, requestId);
            text = t;
        }
        return t;
    }

    /**
     * The access fields as JSON members, each after a comma: {@code "message"} (method, path and
     * status, for viewers that show only the message), {@code "method"}, {@code "path"},
     * {@code "status"} and {@code "bytes"} (numbers), {@code "duration_ms"} (a number with three
     * decimals), {@code "client"} and {@code "request_id"} (when the request has one).
     *
     * @param json the line so far
     */
    void writeJson(StringBuilder json) {
        json.append(",\"message\":\"");
        JsonLogFormatter.escape(json, method);
        json.append(' ');
        JsonLogFormatter.escape(json, path);
        json.append(' ').append(status).append('"');
        string(json, "method", method);
        string(json, "path", path);
        json.append(",\"status\":").append(status);
        json.append(",\"bytes\":").append(bytes);
        json.append(",\"duration_ms\":");
        AccessLine.millis(json, durationNanos);
        string(json, "client", client);
        if (requestId != null) {
            string(json, "request_id", requestId);
        }
    }

    private static void string(StringBuilder json, String name, String value) {
        json.append(",\"").append(name).append("\":\"");
        JsonLogFormatter.escape(json, value);
        json.append('"');
    }
}
