package dev.rotor.web;

import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.webserver.http.ServerResponse;

/**
 * The id of each request ({@code X-Request-ID}): the client's when it sent a usable one, else a
 * new one. It goes back on the response, into the access line and every JSON error, and on to
 * the upstreams, so that one id finds a request in the client's, the replica's and an
 * upstream's logs.
 *
 * <p>A client's id is taken from any client, not only through trusted proxies: it decides
 * nothing here (no limit, no identity, no access), and the proxies in front (HAProxy, Render's,
 * an ingress) pass the client's header on unchanged, so a trusted-proxy rule would not tell a
 * proxy's id from a client's anyway. What keeps it safe is its shape: one header line, at most
 * {@code max-length} characters, each a letter, a digit or one of {@code - _ . : + / = @}
 * (UUIDs, hex, base64 and the ids proxies make). Anything else (a space, a quote, a control
 * character, a second line, too long) could break a log line or be a forgery of one, and is
 * replaced by a new id, never echoed.
 *
 * <p>A new id costs no system call and no lock: a random prefix drawn once per replica (64
 * bits: two replicas never share one in practice) and a counter, e.g.
 * {@code 3f9c1a7be2d40c55-1a2b}. A connection takes its numbers from the counter in blocks
 * ({@link Sequence}): one shared increment per {@value #BLOCK} requests rather than one per
 * request, which both cores of a small machine would otherwise pass back and forth. Ids stay
 * unique; across connections they are not in arrival order (they never were exactly).
 */
public final class RequestIds {
    /** The header a request's id travels in, both ways and to the upstreams. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-ID");
    /** Numbers a {@link Sequence} takes from the shared counter at once. */
    static final int BLOCK = 64;

    private final String prefix;
    private final int maxLength;
    private final AtomicLong counter = new AtomicLong();

    /**
     * @param maxLength longest id accepted from a client ({@code rotor.wire.request-id-max-length})
     * @param random    draws this replica's prefix, once
     */
    public RequestIds(int maxLength, RandomGenerator random) {
        this.maxLength = maxLength;
        this.prefix = HexFormat.of().toHexDigits(random.nextLong()) + "-";
    }

    /**
     * @param headers a request's headers
     * @return the client's id when it sent one usable id, else a new one
     */
    public String of(Headers headers) {
        return of(headers, null);
    }

    /**
     * @param headers  a request's headers
     * @param sequence where a new id's number comes from: its connection's; null = the shared counter
     * @return the client's id when it sent one usable id, else a new one
     */
    public String of(Headers headers, Sequence sequence) {
        return of(headers.contains(HEADER) ? headers.get(HEADER) : null, sequence);
    }

    /**
     * @param sent     the request's {@code X-Request-ID} field; null when it has none
     * @param sequence where a new id's number comes from: its connection's; null = the shared counter
     * @return the client's id when it sent one usable id, else a new one
     */
    public String of(Header sent, Sequence sequence) {
        if (sent != null && sent.valueCount() == 1) {
            String id = sent.get();
            if (usable(id, maxLength)) {
                return id;
            }
        }
        return sequence == null ? next() : sequence.next();
    }

    /** @return a sequence of new ids for one connection, used by its thread only */
    public Sequence sequence() {
        return new Sequence();
    }

    /**
     * @param res a response
     * @return the id it carries (set by admission before any route ran); null when it has none
     *         (under {@code /observe}, or a server without Rotor's admission)
     */
    public static String of(ServerResponse res) {
        ServerResponseHeaders headers = res.headers();
        return headers.contains(HEADER) ? headers.get(HEADER).get() : null;
    }

    /** @return a new id, unique within this replica and, by its random prefix, across replicas */
    public String next() {
        return prefix + Long.toHexString(counter.incrementAndGet());
    }

    /**
     * New ids for one connection: numbers taken from the replica's counter a block at a time.
     * Not thread-safe: a connection reads one request at a time, on one thread.
     */
    public final class Sequence {
        private long next;
        private long end;

        private Sequence() {
        }

        /** @return a new id, unique within this replica */
        public String next() {
            if (next == end) {
                next = counter.getAndAdd(BLOCK) + 1;
                end = next + BLOCK;
            }
            return prefix + Long.toHexString(next++);
        }
    }

    /**
     * A character loop rather than a pattern: this runs for every request that sends an id.
     *
     * @param id        an id as sent
     * @param maxLength longest accepted
     * @return whether it may be used as it is: 1 to {@code maxLength} characters, each a letter,
     *         a digit or one of {@code - _ . : + / = @}
     */
    static boolean usable(String id, int maxLength) {
        int n = id.length();
        if (n == 0 || n > maxLength) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' || c == '@';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
