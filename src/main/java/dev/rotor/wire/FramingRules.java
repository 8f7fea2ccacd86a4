package dev.rotor.wire;

import dev.rotor.web.RequestIds;

import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * RFC 9112 message framing, checked as soon as the header section is parsed and before any
 * route runs, for what Helidon does not check itself.
 *
 * <p>Helidon 4.3 framed a request by the first {@code Content-Length} and let
 * {@code Transfer-Encoding: chunked} win silently over it (request smuggling, §6.3); Rotor
 * refused those here. Helidon 4.5 refuses them itself, before routing, with 400 and a close:
 * more than one {@code Content-Length} (repeated or a list) or one that is not a plain number;
 * {@code Transfer-Encoding} with {@code Content-Length}, empty, not ending in {@code chunked}
 * or applying it twice (and 501 for a coding before it). Those rules are gone from here;
 * {@code FramingCorpusIT} proves Helidon's answers. What 4.5 still accepts and is kept here:
 * <ul>
 *     <li>a field line with an empty name ({@code ": value"}; §5.1: a field name is a token,
 *     one character at least): 400 and close.</li>
 * </ul>
 * It also names the request ({@link RequestIds}: the client's {@code X-Request-ID} or a new
 * one) before anything can refuse it, tells the connection's watch that the headers are in and
 * whether a body follows, and keeps the connection's {@link ParsePhase}.
 */
final class FramingRules implements Http1ConnectionListener {
    private final RequestIds requestIds;

    FramingRules(RequestIds requestIds) {
        this.requestIds = requestIds;
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        if (ctx instanceof WatchedContext w) {
            w.watch().parsePhase(ParsePhase.PROLOGUE);
        }
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        // the wire's connections only: their context is the wire's
        if (!(ctx instanceof WatchedContext watched) || watched.watch().parsePhase() != ParsePhase.PROLOGUE) {
            // a response's headers: this listener is registered for both directions, and a
            // response with a body must not put the idle connection under the body deadline
            return;
        }
        ConnectionWatch watch = watched.watch();
        watch.parsePhase(ParsePhase.HEADERS);
        Fields fields = Fields.of(headers);
        // first: a refusal of this header section (below, or Helidon's right after) carries it
        watch.requestId(requestIds.of(fields.requestId(), watch.ids()));
        if (fields.emptyName()) {
            throw reject("a field line has an empty name");
        }
        watch.headersRead(check(headers));
    }

    /**
     * What one walk over a header section finds among the names Helidon does not know (only
     * those can be empty or {@code X-Request-ID}). A walk rather than two lookups by name: a
     * lookup of such a name makes Helidon allocate its map of them, which most requests (a
     * load balancer's, a benchmark's) never need, and the walk visits the names it knows by
     * their index bits.
     *
     * @param requestId the client's {@code X-Request-ID} field; null when it sent none
     * @param emptyName whether a field line has an empty name (§5.1: a name is one character at least)
     */
    record Fields(Header requestId, boolean emptyName) {
        static Fields of(Headers headers) {
            Header requestId = null;
            boolean emptyName = false;
            for (Header field : headers) {
                HeaderName name = field.headerName();
                if (name.index() < 0) {
                    if (name.lowerCase().isEmpty()) {
                        emptyName = true;
                    } else if (name.equals(RequestIds.HEADER)) {
                        requestId = field;
                    }
                }
            }
            return new Fields(requestId, emptyName);
        }
    }

    @Override
    public void status(ConnectionContext ctx, Status status) {
        if (ctx instanceof WatchedContext w) {
            w.watch().parsePhase(ParsePhase.NONE);
            w.watch().responseStarted();
        }
    }

    /**
     * @param headers a request's header section
     * @return whether a body follows (Helidon refuses a malformed length right after this)
     */
    static boolean check(Headers headers) {
        if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            return true;
        }
        try {
            return headers.contentLength().orElse(0) > 0;
        } catch (IllegalArgumentException e) {
            // not a single plain number: Helidon answers 400 before any body is read
            return false;
        }
    }

    private static RequestException reject(String why) {
        return RequestException.builder()
                .type(EventType.BAD_REQUEST)
                .status(Status.BAD_REQUEST_400)
                .setKeepAlive(false)
                .safeMessage(true)
                .message("bad header section: " + why)
                .build();
    }
}
