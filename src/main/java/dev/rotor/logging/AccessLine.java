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
     * @return {@code method=GET path=/ status=200 bytes=45 duration_ms=0.412 client=ip:127.0.0.1}
     */
    static String of(String method, String path, int status, long bytes, long durationNanos, String client) {
        StringBuilder line = new StringBuilder(96);
        line.append("method=");
        value(line, method);
        line.append(" path=");
        value(line, path);
        line.append(" status=").append(status).append(" bytes=").append(bytes).append(" duration_ms=");
        long micros = Math.max(0, durationNanos) / 1_000;
        long fraction = micros % 1_000;
        line.append(micros / 1_000).append('.').append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction);
        line.append(" client=");
        value(line, client);
        return line.toString();
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
