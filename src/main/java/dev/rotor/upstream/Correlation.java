package dev.rotor.upstream;

import dev.rotor.web.RequestIds;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.apache.http.HttpRequest;

/**
 * What an upstream call carries of the request that made it: the request's id
 * ({@code X-Request-ID}, the one its response carries) and the client's W3C trace context
 * ({@code traceparent}, and {@code tracestate} with it), passed on unchanged when valid, so that
 * the chat provider's and the geo-IP provider's logs and traces join the client's. Rotor is no
 * tracing participant: it neither starts a trace nor adds a span of its own.
 *
 * <p>Validated only here, for the few requests that call an upstream, not on every request: a
 * {@code traceparent} must be one header line of the W3C format (version {@code 00}: exactly
 * {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, lower case, neither id all zeros;
 * a later version: those 55 characters, then {@code -} and more printable characters), else
 * neither header is sent (the recommendation's rule: no {@code tracestate} without a valid
 * parent). {@code tracestate} goes with it when it is printable ASCII and at most
 * {@value #TRACESTATE_MAX} characters (its lines joined with commas), else it is left out.
 *
 * @param requestId   the request's id; null when it has none
 * @param traceparent the client's {@code traceparent}, when valid; else null
 * @param tracestate  the client's {@code tracestate}, when it may go with it; else null
 */
public record Correlation(String requestId, String traceparent, String tracestate) {
    /** W3C Trace Context's header names (lower case on the wire, as the recommendation writes them). */
    public static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    /** The vendors' state that goes with {@link #TRACEPARENT}. */
    public static final HeaderName TRACESTATE = HeaderNames.create("tracestate");
    /** Nothing to pass on: calls made outside a request (tests, background work). */
    public static final Correlation NONE = new Correlation(null, null, null);
    /**
     * Not a bound Rotor chose but the recommendation's: vendors must propagate at least 512
     * characters of tracestate and may drop it beyond (W3C Trace Context, "tracestate limits").
     */
    static final int TRACESTATE_MAX = 512;
    /** Longest traceparent of a later version passed on: the version 00 form is 55 characters. */
    static final int TRACEPARENT_MAX = 512;
    private static final int VERSION_00_LENGTH = 55;

    /**
     * @param req the request
     * @param res its response, which carries the request's id from admission on
     * @return what calls made for this request carry
     */
    public static Correlation of(ServerRequest req, ServerResponse res) {
        Headers sent = req.headers();
        String id = RequestIds.of(res);
        String parent = single(sent, TRACEPARENT);
        if (parent == null || !validTraceparent(parent)) {
            return new Correlation(id, null, null);
        }
        String state = sent.contains(TRACESTATE) ? sent.get(TRACESTATE).values() : null;
        return new Correlation(id, parent, state != null && validTracestate(state) ? state : null);
    }

    /**
     * Set the headers on an outbound request.
     *
     * @param request the call to the upstream
     */
    public void applyTo(HttpRequest request) {
        if (requestId != null) {
            request.setHeader(RequestIds.HEADER.defaultCase(), requestId);
        }
        if (traceparent != null) {
            request.setHeader(TRACEPARENT.defaultCase(), traceparent);
            if (tracestate != null) {
                request.setHeader(TRACESTATE.defaultCase(), tracestate);
            }
        }
    }

    /**
     * @param value a {@code traceparent} as sent
     * @return whether it is one of the W3C format (any version but {@code ff})
     */
    static boolean validTraceparent(String value) {
        int n = value.length();
        if (n < VERSION_00_LENGTH || n > TRACEPARENT_MAX) {
            return false;
        }
        if (!hex(value, 0, 2) || value.startsWith("ff") || value.charAt(2) != '-'
                || !hex(value, 3, 35) || zeros(value, 3, 35) || value.charAt(35) != '-'
                || !hex(value, 36, 52) || zeros(value, 36, 52) || value.charAt(52) != '-'
                || !hex(value, 53, 55)) {
            return false;
        }
        if (value.startsWith("00")) {
            return n == VERSION_00_LENGTH;
        }
        // a later version may add fields after a dash; they are passed on as they came
        return n == VERSION_00_LENGTH || (value.charAt(VERSION_00_LENGTH) == '-' && printable(value, VERSION_00_LENGTH, n, false));
    }

    /**
     * @param value a {@code tracestate}, its lines joined with commas
     * @return whether it may be passed on: printable ASCII (spaces and commas included), not too long
     */
    static boolean validTracestate(String value) {
        return value.length() <= TRACESTATE_MAX && printable(value, 0, value.length(), true);
    }

    private static String single(Headers headers, HeaderName name) {
        if (!headers.contains(name)) {
            return null;
        }
        Header header = headers.get(name);
        // two traceparent lines cannot both be the parent: the recommendation treats it as invalid
        return header.valueCount() == 1 ? header.get() : null;
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static boolean printable(String s, int from, int to, boolean spaces) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c > '~' || c < ' ' || (c == ' ' && !spaces)) {
                return false;
            }
        }
        return true;
    }
}
