package dev.rotor.web;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;

/**
 * Compact JSON written straight into text, for the responses on the hot path (the banner, the
 * session read). Building a {@code JsonObject} and letting Helidon's JSON-P writer serialize it
 * cost a quarter of a banner request's CPU in a profile (parsson takes a pooled 4 KiB buffer and
 * builds a generator per response; see docs/benchmarks.md, bench/overhead); this writes the
 * same text in one pass. Strings are escaped as RFC 8259 §7 requires (quote, backslash, control
 * characters), exactly what parsson escapes, so a reader sees the same document.
 *
 * <pre>
 * new JsonText().beginObject().name("id").value(id).name("system").nullValue().endObject().toString()
 * </pre>
 */
public final class JsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder(128);
    /** Bit {@code d} set: the container at depth {@code d} has a member already, so the next needs a comma. */
    private long filled;
    private int depth;
    private boolean afterName;

    /**
     * Send JSON bytes as the whole response ({@code Content-Type: application/json}), as bytes
     * so that the response counts as sent when this returns.
     *
     * @param res  the response
     * @param json the document
     */
    public static void send(ServerResponse res, byte[] json) {
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(json);
    }

    /** @return this, with an object opened */
    public JsonText beginObject() {
        return open('{');
    }

    /** @return this, with the innermost object closed */
    public JsonText endObject() {
        return close('}');
    }

    /** @return this, with an array opened */
    public JsonText beginArray() {
        return open('[');
    }

    /** @return this, with the innermost array closed */
    public JsonText endArray() {
        return close(']');
    }

    /**
     * @param name a member's name; its value comes next
     * @return this
     */
    public JsonText name(String name) {
        separate();
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    /**
     * @param value a string value
     * @return this
     */
    public JsonText value(String value) {
        separate();
        string(value);
        return this;
    }

    /**
     * @param value a number
     * @return this
     */
    public JsonText value(long value) {
        separate();
        out.append(value);
        return this;
    }

    /**
     * @param value an instant, written as the string {@link Instant#toString()} makes of it
     * @return this
     */
    public JsonText value(Instant value) {
        separate();
        out.append('"');
        InstantText.append(out, value);
        out.append('"');
        return this;
    }

    /** @return this, with a {@code null} value */
    public JsonText nullValue() {
        separate();
        out.append("null");
        return this;
    }

    /** @return the document as UTF-8 */
    public byte[] toBytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private JsonText open(char c) {
        separate();
        out.append(c);
        depth++;
        filled &= ~(1L << depth);
        return this;
    }

    private JsonText close(char c) {
        depth--;
        out.append(c);
        return this;
    }

    /** A comma before every member or element but the first of its container. */
    private void separate() {
        if (afterName) {
            afterName = false;
            return;
        }
        long bit = 1L << depth;
        if ((filled & bit) != 0) {
            out.append(',');
        }
        filled |= bit;
    }

    private void string(String s) {
        out.append('"');
        int first = 0;
        while (first < s.length() && plain(s.charAt(first))) {
            first++;
        }
        if (first == s.length()) {
            // the usual case, copied whole (a range of a CharSequence is appended char by char)
            out.append(s).append('"');
            return;
        }
        int plainFrom = 0;
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (plain(c)) {
                continue;
            }
            out.append(s.substring(plainFrom, i)).append('\\');
            switch (c) {
                case '"', '\\' -> out.append(c);
                case '\b' -> out.append('b');
                case '\f' -> out.append('f');
                case '\n' -> out.append('n');
                case '\r' -> out.append('r');
                case '\t' -> out.append('t');
                default -> out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
            plainFrom = i + 1;
        }
        out.append(s.substring(plainFrom)).append('"');
    }

    private static boolean plain(char c) {
        return c >= 0x20 && c != '"' && c != '\\';
    }
}
