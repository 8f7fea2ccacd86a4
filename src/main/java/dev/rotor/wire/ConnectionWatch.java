package dev.rotor.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import dev.rotor.web.RequestIds;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;

/**
 * One open connection, seen from accept to close: which phase it is in and since when, so that
 * the watchdog can end a connection whose headers or body do not arrive in time.
 *
 * <p>Phases: {@code HEADERS} from accept (and from the first byte of each later request) until
 * the header section is parsed; {@code BODY} while a request's body is still due; {@code HANDLING}
 * while a route runs (the request deadline is watched per request, see {@link RequestWatch});
 * {@code IDLE} between requests on a kept-alive connection (bounded by Helidon's idle timeout).
 */
public final class ConnectionWatch {
    /** Where a connection is in its current request. */
    enum Phase { HEADERS, BODY, HANDLING, IDLE, CLOSED }

    private record State(Phase phase, long sinceNanos) {
    }

    /**
     * A route running: no deadline of the connection's own applies (the request's does, per
     * request), so its start is never read, and one shared state spares every request a clock
     * read and an allocation.
     */
    private static final State HANDLING = new State(Phase.HANDLING, 0);

    /**
     * {@link #request} and {@link #requestId}: written by the connection's thread with release
     * and read by the watchdog with acquire, which orders what the watchdog needs, without
     * the full fence a volatile write costs each request (four of them per request here).
     */
    private static final VarHandle REQUEST;
    private static final VarHandle REQUEST_ID;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUEST = lookup.findVarHandle(ConnectionWatch.class, "request", RequestWatch.class);
            REQUEST_ID = lookup.findVarHandle(ConnectionWatch.class, "requestId", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConnectionContext ctx;
    private final AtomicReference<State> state;
    /** The request its route is running, if any (HTTP/1.1: one at a time); see {@link #REQUEST}. */
    @SuppressWarnings("unused") // through REQUEST
    private RequestWatch request;
    /**
     * The id of the request being read or answered, from its header section on; null before
     * (a request refused while its header section is read has none yet). Read by the watchdog;
     * see {@link #REQUEST_ID}.
     */
    @SuppressWarnings("unused") // through REQUEST_ID
    private String requestId;
    /** Whether the connection's first request has sent a byte (read on the connection's thread only). */
    private boolean started;
    /** New request ids for this connection's requests (its thread only). */
    private final RequestIds.Sequence ids;
    /** Where the parser is in the request being read; only the connection's thread touches it. */
    private ParsePhase parsePhase = ParsePhase.NONE;

    /** @return how far the parser got with the request the connection is reading ({@link ParsePhase}) */
    ParsePhase parsePhase() {
        return parsePhase;
    }

    void parsePhase(ParsePhase phase) {
        parsePhase = phase;
    }

    ConnectionWatch(ConnectionContext ctx, long nowNanos, RequestIds.Sequence ids) {
        this.ctx = ctx;
        this.ids = ids;
        this.state = new AtomicReference<>(new State(Phase.HEADERS, nowNanos));
    }

    Phase phase() {
        return state.get().phase();
    }

    long sinceNanos() {
        return state.get().sinceNanos();
    }

    RequestWatch request() {
        return (RequestWatch) REQUEST.getAcquire(this);
    }

    /** @return the id of the request being read or answered; null before its headers are in */
    String requestId() {
        return (String) REQUEST_ID.getAcquire(this);
    }

    /** @return where this connection's new request ids come from (its thread only) */
    RequestIds.Sequence ids() {
        return ids;
    }

    /** @param id the id of the request whose header section has just been read */
    void requestId(String id) {
        REQUEST_ID.setRelease(this, id);
    }

    void request(RequestWatch r) {
        REQUEST.setRelease(this, r);
    }

    /** The request ended (its handler returned, or the watchdog timed it out). */
    void requestDone(RequestWatch r) {
        if (REQUEST.getAcquire(this) == r) {
            REQUEST.setRelease(this, null);
        }
    }

    /**
     * Bytes arrived: on an idle connection they start the next request's header deadline.
     *
     * @return whether they are the first bytes of a request
     */
    boolean bytesArrived(LongSupplier nanoClock) {
        State s = state.get();
        if (s.phase() == Phase.IDLE) {
            // the clock only here: most reads are not a request's first bytes
            if (state.compareAndSet(s, new State(Phase.HEADERS, nanoClock.getAsLong()))) {
                // the previous request is answered: a refusal of this one must not carry its id
                REQUEST_ID.setRelease(this, null);
                return true;
            }
            return false;
        }
        if (!started) {
            started = true;
            return true;
        }
        return false;
    }

    /** The header section is parsed; a body, when announced, is due from now. */
    void headersRead(boolean bodyFollows, LongSupplier nanoClock) {
        move(bodyFollows ? new State(Phase.BODY, nanoClock.getAsLong()) : HANDLING);
    }

    /** The whole body is in memory: no more reads are due for this request. */
    void bodyRead() {
        State s = state.get();
        if (s.phase() == Phase.BODY) {
            state.compareAndSet(s, HANDLING);
        }
    }

    /** A response began: the connection waits for the client's next request. */
    void responseStarted(long nowNanos) {
        move(new State(Phase.IDLE, nowNanos));
    }

    /**
     * Claim the connection for the watchdog when it is still in {@code expected} since
     * {@code since}, so that a phase change racing with the deadline wins or loses as a whole.
     */
    boolean claim(Phase expected, long since, long nowNanos) {
        State s = state.get();
        return s.phase() == expected && s.sinceNanos() == since && state.compareAndSet(s, new State(Phase.CLOSED, nowNanos));
    }

    void closed(long nowNanos) {
        state.set(new State(Phase.CLOSED, nowNanos));
    }

    /**
     * Write a complete response straight to the socket, for answers the watchdog gives while
     * the connection's own thread is blocked reading or stuck in a handler.
     *
     * @param id the request's id (its {@code X-Request-ID}), null when it has none
     */
    void writeRaw(int status, String reason, String json, String id) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (id == null ? "" : RequestIds.HEADER.defaultCase() + ": " + id + "\r\n")
                + "Connection: close\r\n\r\n";
        try {
            ctx.dataWriter().writeNow(BufferData.create(head.getBytes(StandardCharsets.US_ASCII)), BufferData.create(body));
        } catch (RuntimeException e) {
            // the client may be gone already; the close that follows is what matters
        }
    }

    /** Close the socket: a read blocked on it ends with an exception on the connection's thread. */
    void closeSocket() {
        try {
            ctx.serverSocket().close();
        } catch (RuntimeException e) {
            // already closed
        }
    }

    private void move(State to) {
        State s;
        do {
            s = state.get();
            if (s.phase() == Phase.CLOSED) {
                return;
            }
        } while (!state.compareAndSet(s, to));
    }
}
