package dev.rotor.logging;

/**
 * The text of one access-log line, in logfmt. A value with a space, a quote, an equals sign
 * or a control character is quoted and escaped, so a crafted path can neither forge a field
 * nor break the line.
 */
final class AccessLine {
    private AccessLine() {
    }

    /**
     * @param method        request method
     * @param path          raw path, without the query
     * @param status        response status code
     * @param bytes         response bytes written, status line and headers included
     * @param durationNanos time from the filter to the response sent
     * @param client        the client as admission names it
     * @param requestId     the request's {@code X-Request-ID}; null = none (the field is left out)
     * @return {@code method=GET path=/ status=200 bytes=45 duration_ms=0.412 client=ip:127.0.0.1 request_id=3f9c1a7be2d40c55-1a}
     */
    static String of(String method, String path, int status, long bytes, long durationNanos, String client,
                     String requestId) {
        StringBuilder line = new StringBuilder(128);
        line.append("method=");
        value(line, method);
        line.append(" path=");
        value(line, path);
        line.append(" status=").append(status).append(" bytes=").append(bytes).append(" duration_ms=");
        millis(line, durationNanos);
        line.append(" client=");
        value(line, client);
        if (requestId != null) {
            line.append(" request_id=");
            value(line, requestId);
        }
        return line.toString();
    }

    /**
     * @param line          where to write
     * @param durationNanos a duration
     */
    static void millis(StringBuilder line, long durationNanos) {
        long micros = Math.max(0, durationNanos) / 1_000;
        long fraction = micros % 1_000;
        line.append(micros / 1_000).append('.').append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction);
    }

    private static void value(StringBuilder line, String value) {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
        }
        if (plain) {
            line.append(value);
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < ' ' || c == 0x7f) {
                line.append(String.format("\\x%02x", (int) c));
            } else {
                line.append(c);
            }
        }
        line.append('"');
    }
}
